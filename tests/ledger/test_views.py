"""Ledger pages: figures shown as money, other businesses' ids 404, only owners change the chart."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from django.urls import reverse

from apps.ledger import services
from apps.ledger.models import Account, JournalEntry
from apps.tenancy.models import Role
from tests.conftest import make_member
from tests.helpers import audit_actions
from tests.ledger.builders import classified, make_extraction

pytestmark = pytest.mark.django_db


def url(name, tenant, **kwargs):
    return reverse(f"ledger:{name}", kwargs={"tenant_slug": tenant.slug, **kwargs})


@pytest.fixture
def posted_a(chart_a, in_tenant):
    with in_tenant(chart_a):
        return services.post_document(
            document_id=uuid.uuid4(),
            extraction=make_extraction(net="1234.56", vat="246.91", gross="1481.47", breakdown=()),
            classification=classified("461", explanation="matched default rule 'Stationery' on keyword 'toner'"),
        )


@pytest.fixture
def bookkeeper_client(client, bookkeeper_a):
    client.force_login(bookkeeper_a)
    return client


class TestReading:
    def test_trial_balance_shows_the_figures(self, bookkeeper_client, posted_a, chart_a):
        response = bookkeeper_client.get(url("trial-balance", chart_a))
        body = response.content.decode()
        assert response.status_code == 200
        assert "Printing and stationery" in body and "£1,234.56" in body and "£1,481.47" in body
        assert body.count("£1,481.47") == 6  # 800: credits and credit balance; and the four totals
        assert "Balanced" in body
        assert url("account", chart_a, code="461") in body
        assert 'style="' not in body and "<script>" not in body

    def test_home_is_the_trial_balance(self, bookkeeper_client, chart_a):
        assert url("home", chart_a) == url("trial-balance", chart_a)
        assert "Nothing posted yet" in bookkeeper_client.get(url("home", chart_a)).content.decode()

    def test_a_bad_date_is_a_400_with_a_message(self, bookkeeper_client, chart_a):
        response = bookkeeper_client.get(url("trial-balance", chart_a), {"as_of": "31/02/2025"})
        assert response.status_code == 400
        assert "Enter a valid date" in response.content.decode()

    def test_account_ledger_shows_credit_balances_in_brackets(self, bookkeeper_client, posted_a, chart_a):
        response = bookkeeper_client.get(url("account", chart_a, code="800"))
        body = response.content.decode()
        assert response.status_code == 200
        assert "(£1,481.47)" in body and url("entry", chart_a, entry_id=posted_a.pk) in body

    def test_account_ledger_period(self, bookkeeper_client, posted_a, chart_a):
        response = bookkeeper_client.get(url("account", chart_a, code="461"), {"date_from": "2025-04-01"})
        assert response.status_code == 200 and "No postings in this period" in response.content.decode()
        bad = bookkeeper_client.get(
            url("account", chart_a, code="461"), {"date_from": "2025-04-01", "date_to": "2025-03-01"}
        )
        assert bad.status_code == 400 and "start date is after the end date" in bad.content.decode()

    def test_entry_page_explains_the_posting(self, bookkeeper_client, posted_a, chart_a):
        body = bookkeeper_client.get(url("entry", chart_a, entry_id=posted_a.pk)).content.decode()
        assert (
            "Journal 1" in body and "matched default rule &#x27;Stationery&#x27; on keyword &#x27;toner&#x27;" in body
        )
        assert "Reverse journal" not in body  # a bookkeeper cannot reverse

    def test_journal_and_rules_pages(self, bookkeeper_client, posted_a, chart_a, in_tenant, owner_a):
        from tests.factories import RuleFactory

        RuleFactory(tenant=chart_a, name="Toner cartridges", keywords=["toner"], account_code="461")
        journal = bookkeeper_client.get(url("journal", chart_a)).content.decode()
        assert "Purchase invoice INV-1001 from Viking Direct Ltd" in journal and "£1,481.47" in journal
        rules = bookkeeper_client.get(url("rules", chart_a)).content.decode()
        assert "Toner cartridges" in rules and "When the document mentions any of &#x27;toner&#x27;" in rules
        assert "Fuel" in rules and "Version" in rules

    def test_chart_is_read_only_for_a_bookkeeper(self, bookkeeper_client, chart_a):
        body = bookkeeper_client.get(url("chart", chart_a)).content.decode()
        assert "Only an owner can change the chart of accounts" in body and "Add an account" not in body


class TestIsolation:
    def test_another_tenants_entry_is_404(self, bookkeeper_client, chart_a, chart_b, in_tenant):
        with in_tenant(chart_b):
            theirs = services.post_document(
                document_id=uuid.uuid4(), extraction=make_extraction(), classification=classified()
            )
        assert bookkeeper_client.get(url("entry", chart_a, entry_id=theirs.pk)).status_code == 404
        assert bookkeeper_client.get(url("entry", chart_a, entry_id=uuid.uuid4())).status_code == 404

    def test_another_tenants_account_is_404(self, bookkeeper_client, chart_a, chart_b, in_tenant, owner_a):
        with in_tenant(chart_b):
            services.create_account(code="5555", name="Their secret account", type="expense", actor=owner_a)
        response = bookkeeper_client.get(url("account", chart_a, code="5555"))
        assert response.status_code == 404 and "Their secret account" not in response.content.decode()

    def test_members_of_another_business_get_404(self, client, bookkeeper_b, chart_a):
        client.force_login(bookkeeper_b)
        assert client.get(url("trial-balance", chart_a)).status_code == 404

    def test_anonymous_is_sent_to_login(self, client, chart_a):
        assert client.get(url("trial-balance", chart_a)).status_code == 302


class TestChartChanges:
    @pytest.mark.parametrize(
        ("name", "kwargs", "data"),
        [
            ("add-account", {}, {"code": "466", "name": "Cake stands", "type": "expense"}),
            ("rename-account", {"code": "461"}, {"name": "Office"}),
            ("deactivate-account", {"code": "461"}, {}),
            ("reactivate-account", {"code": "461"}, {}),
        ],
    )
    def test_bookkeeper_cannot_change_accounts(self, bookkeeper_client, chart_a, in_tenant, name, kwargs, data):
        response = bookkeeper_client.post(url(name, chart_a, **kwargs), data)
        assert response.status_code == 403
        with in_tenant(chart_a):
            assert not Account.objects.filter(code="466").exists()
            assert Account.objects.get(code="461").name == "Printing and stationery"
        assert audit_actions(chart_a.pk) == ["ledger.chart.seeded"]

    def test_accountant_cannot_either(self, verified_client, chart_a):
        accountant = make_member(chart_a, Role.ACCOUNTANT)
        response = verified_client(accountant).post(url("deactivate-account", chart_a, code="461"))
        assert response.status_code == 403

    def test_owner_adds_renames_deactivates_and_reactivates(self, verified_client, owner_a, chart_a, in_tenant):
        client = verified_client(owner_a)
        page = client.get(url("chart", chart_a)).content.decode()
        assert "Add an account" in page and "Deactivate" in page
        add = client.post(url("add-account", chart_a), {"code": "466", "name": "Cake stands", "type": "expense"})
        assert add.status_code == 302
        assert (
            client.post(url("rename-account", chart_a, code="466"), {"name": "Cake stands and boards"}).status_code
            == 302
        )
        assert client.post(url("deactivate-account", chart_a, code="466")).status_code == 302
        with in_tenant(chart_a):
            account = Account.objects.get(code="466")
            assert (account.name, account.is_active) == ("Cake stands and boards", False)
        assert client.post(url("reactivate-account", chart_a, code="466")).status_code == 302
        assert audit_actions(chart_a.pk)[-4:] == [
            "ledger.account.created",
            "ledger.account.renamed",
            "ledger.account.deactivated",
            "ledger.account.reactivated",
        ]

    def test_owner_mistakes_are_400s_with_nothing_written(self, verified_client, owner_a, chart_a, in_tenant):
        client = verified_client(owner_a)
        duplicate = client.post(url("add-account", chart_a), {"code": "461", "name": "Again", "type": "expense"})
        assert duplicate.status_code == 400 and "already used by Printing and stationery" in duplicate.content.decode()
        invalid = client.post(url("add-account", chart_a), {"code": "", "name": "", "type": "nope"})
        assert invalid.status_code == 400 and "There is a problem" in invalid.content.decode()
        system = client.post(url("deactivate-account", chart_a, code="800"))
        assert system.status_code == 400 and "system account" in system.content.decode()
        assert client.post(url("rename-account", chart_a, code="461"), {"name": ""}).status_code == 400
        assert client.post(url("rename-account", chart_a, code="999"), {"name": "Ghost"}).status_code == 404
        with in_tenant(chart_a):
            assert Account.objects.get(code="800").is_active
        assert audit_actions(chart_a.pk) == ["ledger.chart.seeded"]


class TestReversingFromThePage:
    def test_owner_reverses_with_a_reason(self, verified_client, owner_a, posted_a, chart_a, in_tenant):
        client = verified_client(owner_a)
        assert "Reverse journal 1" in client.get(url("entry", chart_a, entry_id=posted_a.pk)).content.decode()
        response = client.post(url("reverse-entry", chart_a, entry_id=posted_a.pk), {"reason": "Duplicate upload"})
        with in_tenant(chart_a):
            reversal = JournalEntry.objects.get(reverses=posted_a)
        assert response.status_code == 302 and response["Location"] == url("entry", chart_a, entry_id=reversal.pk)
        page = client.get(url("entry", chart_a, entry_id=posted_a.pk)).content.decode()
        assert "Reversed by" in page and "Reverse journal 1" not in page

    def test_reversing_needs_a_reason_and_the_right_role(
        self, verified_client, bookkeeper_client, owner_a, posted_a, chart_a
    ):
        assert (
            bookkeeper_client.post(url("reverse-entry", chart_a, entry_id=posted_a.pk), {"reason": "x"}).status_code
            == 403
        )
        assert verified_client(owner_a).post(url("reverse-entry", chart_a, entry_id=posted_a.pk), {}).status_code == 400

    def test_reversing_twice_is_a_400(self, verified_client, owner_a, posted_a, chart_a, in_tenant):
        with in_tenant(chart_a):
            services.reverse_entry(entry=posted_a, actor=owner_a, reason="First", entry_date=date(2025, 3, 31))
        response = verified_client(owner_a).post(
            url("reverse-entry", chart_a, entry_id=posted_a.pk), {"reason": "Again"}
        )
        assert response.status_code == 400 and "already reversed" in response.content.decode()
