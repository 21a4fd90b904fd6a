"""Report pages over HTTP: a viewer reads them, figures drill down, bad dates are a 400, no other business shows."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from tests.factories.books import purchase, sale

pytestmark = pytest.mark.django_db

Q1 = {"date_from": "2025-01-01", "date_to": "2025-03-31"}


def url(name, tenant, **kwargs):
    return reverse(f"reports:{name}", kwargs={"tenant_slug": tenant.slug, **kwargs})


class TestProfitAndLoss:
    def test_a_viewer_reads_the_period_with_its_comparison(self, viewer_client, tenant_with_books):
        tenant = tenant_with_books.tenant
        response = viewer_client.get(url("profit-and-loss", tenant), Q1)
        body = response.content.decode()
        assert response.status_code == 200
        assert "£14,500.00" in body  # the worked example's sales: income
        assert "£4,500.00" in body  # its purchases: expenses
        assert 'data-figure="net-profit">£10,000.00' in body
        assert "01 Oct 2024 to 31 Dec 2024" in body  # the previous period of the same length (92 days)

    def test_each_figure_links_to_its_journal_lines(self, viewer_client, tenant_with_books):
        tenant = tenant_with_books.tenant
        body = viewer_client.get(url("profit-and-loss", tenant), Q1).content.decode()
        drill = reverse("ledger:account", kwargs={"tenant_slug": tenant.slug, "code": "200"})
        assert f"{drill}?date_from=2025-01-01&amp;date_to=2025-03-31" in body
        lines = viewer_client.get(drill, Q1)
        assert lines.status_code == 200
        assert "Sale 10000.00" in lines.content.decode()

    def test_presets_choose_the_dates(self, viewer_client, tenant_with_books):
        tenant = tenant_with_books.tenant
        for name in ("this-quarter", "last-quarter", "year-to-date"):
            assert viewer_client.get(url("profit-and-loss", tenant), {"preset": name}).status_code == 200

    def test_this_vat_period_with_no_period_on_record_is_a_400(self, viewer_client, tenant_a):
        response = viewer_client.get(url("profit-and-loss", tenant_a), {"preset": "vat-period"})
        assert response.status_code == 400
        assert "No VAT period on record includes today" in response.content.decode()

    @pytest.mark.parametrize(
        ("query", "words"),
        [
            ({"date_from": "2025-02-31", "date_to": "2025-03-31"}, "Enter a valid date"),
            ({"date_from": "2025-04-01", "date_to": "2025-03-31"}, "The start date is after the end date"),
            ({"date_from": "2025-04-01"}, "Give both a start and an end date"),
            ({"date_from": "1900-01-01", "date_to": "2025-03-31"}, "at most ten years"),
            ({"preset": "next-century"}, "Select a valid choice"),
            ({"date_from": "0001-01-01", "date_to": "0001-03-31"}, "from 1900 to 2999"),
            ({"date_from": "1900-01-01", "date_to": "1900-03-31"}, "from 1900 to 2999"),  # its comparison
            ({"date_from": "2025-01-01", "date_to": "2025-03-31", "export": "xlsx"}, "Exports are csv or pdf"),
        ],
    )
    def test_bad_input_is_a_400_with_the_reason(self, viewer_client, tenant_a, query, words):
        for page in ("profit-and-loss", "balance-sheet"):
            response = viewer_client.get(url(page, tenant_a), query)
            assert response.status_code == 400
            assert words in response.content.decode()


class TestBalanceSheet:
    def test_it_balances_with_the_current_years_profit(self, viewer_client, tenant_with_books):
        tenant = tenant_with_books.tenant
        body = viewer_client.get(url("balance-sheet", tenant), Q1).content.decode()
        assert "£17,350.00" in body  # assets: receivables 16,550 + input VAT 800
        assert "£7,350.00" in body  # liabilities: payables 5,300 + output VAT 2,050
        assert "Current year&#x27;s profit" in body and "£10,000.00" in body
        assert "Balanced" in body and "Out of balance" not in body


class TestOtherPages:
    def test_trial_balance_aged_and_index(self, viewer_client, tenant_with_books):
        tenant = tenant_with_books.tenant
        assert viewer_client.get(url("home", tenant)).status_code == 200
        assert "£16,550.00" in viewer_client.get(url("trial-balance", tenant)).content.decode()
        aged = viewer_client.get(url("aged", tenant, kind="receivables"), {"as_of": "2025-03-31"})
        assert aged.status_code == 200 and "invoice date" in aged.content.decode()
        entry = tenant_with_books.entries[0]  # the first sale: still owed at the end of March
        assert reverse("ledger:entry", args=[tenant.slug, entry.pk]) in aged.content.decode()
        assert viewer_client.get(url("aged", tenant, kind="debtors")).status_code == 404
        assert viewer_client.get(url("aged", tenant, kind="payables"), {"as_of": "2025-02-30"}).status_code == 400
        assert viewer_client.get(url("trial-balance", tenant), {"as_of": "2025-13-01"}).status_code == 400

    def test_the_navigation_links_to_reports(self, viewer_client, tenant_a):
        body = viewer_client.get(reverse("tenancy:home", kwargs={"tenant_slug": tenant_a.slug})).content.decode()
        assert url("home", tenant_a) in body


class TestIsolation:
    def test_another_business_sees_none_of_these_figures(self, client, tenant_with_books, tenant_b, bookkeeper_b,
                                                         in_tenant):  # fmt: skip
        from apps.ledger.services import seed_chart_of_accounts

        with in_tenant(tenant_b):
            seed_chart_of_accounts(tenant_b)
            sale(date(2025, 2, 1), "77.00", "15.40")
            purchase(date(2025, 2, 2), "33.00", "6.60")
        client.force_login(bookkeeper_b)
        body = client.get(url("profit-and-loss", tenant_b), Q1).content.decode()
        assert "£77.00" in body and "£14,500.00" not in body
        csv = b"".join(client.get(url("profit-and-loss", tenant_b), {**Q1, "export": "csv"}).streaming_content)
        assert b"77.00" in csv and b"14500" not in csv
        zipped = b"".join(client.get(url("ledger-export", tenant_b)).streaming_content)
        import io
        import zipfile

        lines = zipfile.ZipFile(io.BytesIO(zipped)).read("journal_lines.csv").decode()
        assert "Sale 77.00" in lines and "Sale 10000.00" not in lines
        # Tenant A's reports are not B's member's to read.
        assert client.get(url("profit-and-loss", tenant_with_books.tenant), Q1).status_code in (403, 404)
