"""The Bank page's reconciliation: htmx row swaps, plain forms back with filters, 4xx refusals, size, permissions."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.ledger.models import BankRule, BankSettlement, BankTransaction, JournalEntry
from apps.tenancy.models import Role
from tests.conftest import make_member
from tests.factories import BankTransactionFactory
from tests.ledger.test_bank_reconcile import bill

pytestmark = pytest.mark.django_db
D = Decimal
HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name, tenant, **kwargs):
    return reverse(f"ledger:{name}", kwargs={"tenant_slug": tenant.slug, **kwargs})


@pytest.fixture
def keys(chart_a, in_tenant, django_capture_on_commit_callbacks):
    """Sealed text: cache the data key as a committed transaction would (see test_bank_views)."""
    from apps.security_center.crypto.keystore import active_key

    with django_capture_on_commit_callbacks(execute=True), in_tenant(chart_a):
        active_key(chart_a.pk)
    return chart_a


@pytest.fixture
def bookkeeper_client(client, bookkeeper_a, chart_a):
    client.force_login(bookkeeper_a)
    return client


@pytest.fixture
def paying(chart_a, in_tenant):
    """A bill from Quillfeather and the bank line that pays it."""
    with in_tenant(chart_a):
        invoice = bill("Quillfeather Stationers Ltd", "120.00", date(2025, 3, 14))
    out = BankTransactionFactory(
        tenant=chart_a, amount=D("-120.00"), date=date(2025, 3, 16), counterparty="QUILLFEATHER STATIONERS"
    )
    return invoice, out


def state(tenant, in_tenant, line) -> tuple[str, int, int]:
    with in_tenant(tenant):
        line.refresh_from_db()
        return line.status, JournalEntry.objects.count(), BankSettlement.objects.count()


class TestRowSwaps:
    def test_the_page_shows_the_suggestion_and_why(self, bookkeeper_client, chart_a, paying):
        invoice, _out = paying
        body = bookkeeper_client.get(url("bank", chart_a)).content.decode()
        assert f'value="bill:{invoice.pk}"' in body
        assert "2 days after the invoice date" in body and "payee ≈ supplier" in body

    def test_accepting_with_htmx_answers_that_row_only(self, bookkeeper_client, chart_a, paying, in_tenant):
        invoice, out = paying
        response = bookkeeper_client.post(
            url("bank-accept", chart_a, line_id=out.pk) + "?status=all", {"s": f"bill:{invoice.pk}"}, **HTMX
        )
        body = response.content.decode()
        assert response.status_code == 200 and body.startswith("<tr>") and "<html" not in body
        assert "settling journal" in body and "Undo" in body and "status=all" in body  # the filters stay
        assert state(chart_a, in_tenant, out) == ("posted", 2, 1)

    def test_without_javascript_it_redirects_back_with_the_filters(self, bookkeeper_client, chart_a, paying):
        invoice, out = paying
        query = "status=all&date_from=2025-03-01&cursor=&evil=1"
        response = bookkeeper_client.post(
            url("bank-accept", chart_a, line_id=out.pk) + "?" + query, {"s": f"bill:{invoice.pk}"}
        )
        assert response.status_code == 302
        assert response["Location"] == url("bank", chart_a) + "?status=all&date_from=2025-03-01"

    def test_a_refusal_with_htmx_is_a_4xx_row_with_the_reason(self, bookkeeper_client, chart_a, paying, in_tenant):
        _invoice, out = paying
        with in_tenant(chart_a):
            other = bill("Someone", "99.00", date(2025, 3, 1), number="X-9")
        response = bookkeeper_client.post(
            url("bank-accept", chart_a, line_id=out.pk), {"s": f"bill:{other.pk}"}, **HTMX
        )
        body = response.content.decode()
        assert response.status_code == 400 and response["X-Row-Refusal"] == "1"
        assert body.startswith("<tr") and "split the line or post it instead" in body and 'role="alert"' in body
        assert state(chart_a, in_tenant, out) == ("unposted", 2, 0)

    def test_the_panel_opens_on_demand(self, bookkeeper_client, chart_a, paying):
        _, out = paying
        row = bookkeeper_client.get(url("bank-line", chart_a, line_id=out.pk), **HTMX).content.decode()
        assert row.startswith("<tr") and 'list="postable-accounts"' in row and "part_amount" in row
        page = bookkeeper_client.get(url("bank-line", chart_a, line_id=out.pk)).content.decode()
        assert "<html" in page and '<datalist id="postable-accounts">' in page
        closed = bookkeeper_client.get(url("bank-line", chart_a, line_id=out.pk) + "?row=1", **HTMX).content.decode()
        assert "part_amount" not in closed

    def test_undo_then_post_again(self, bookkeeper_client, chart_a, paying, in_tenant):
        invoice, out = paying
        bookkeeper_client.post(url("bank-accept", chart_a, line_id=out.pk), {"s": f"bill:{invoice.pk}"})
        response = bookkeeper_client.post(url("bank-undo", chart_a, line_id=out.pk), **HTMX)
        assert response.status_code == 200 and f'value="bill:{invoice.pk}"' in response.content.decode()
        assert state(chart_a, in_tenant, out) == ("unposted", 3, 1)  # payment and its reversal; history kept
        again = bookkeeper_client.post(url("bank-undo", chart_a, line_id=out.pk), **HTMX)
        assert again.status_code == 409


class TestSplitAndRules:
    def test_a_split_that_does_not_add_up_is_a_400_and_writes_nothing(self, bookkeeper_client, chart_a, in_tenant):
        out = BankTransactionFactory(tenant=chart_a, amount=D("-150.00"), date=date(2025, 3, 16))
        form = {
            "part_account": ["461", "495", ""],
            "part_amount": ["100", "30", ""],
            "part_vat": ["standard", "zero", "standard"],
        }
        response = bookkeeper_client.post(url("bank-split", chart_a, line_id=out.pk), form)
        assert response.status_code == 400 and "(£20.00 short)" in response.content.decode()
        assert state(chart_a, in_tenant, out) == ("unposted", 0, 0)
        bad = bookkeeper_client.post(url("bank-split", chart_a, line_id=out.pk), form | {"part_amount": ["x", "y", ""]})
        assert bad.status_code == 400 and "not an amount in pounds" in bad.content.decode()
        form["part_amount"] = ["120", "30", ""]
        assert bookkeeper_client.post(url("bank-split", chart_a, line_id=out.pk), form).status_code == 302
        assert state(chart_a, in_tenant, out) == ("posted", 1, 0)

    def test_a_rule_from_a_line_posts_it_and_its_likes(self, bookkeeper_client, chart_a, in_tenant):
        lines = [
            BankTransactionFactory(
                tenant=chart_a, amount=D(f"-{40 + n}.00"), date=date(2025, 3, n + 1), counterparty="Northern Power plc"
            )
            for n in range(3)
        ]
        form = {"payee_contains": "Northern Power", "account_code": "445", "vat_treatment": "reduced"}
        response = bookkeeper_client.post(url("bank-rule", chart_a, line_id=lines[0].pk), form, **HTMX)
        assert response.status_code == 200 and "posted 3 line(s)" in response.content.decode()
        assert "by rule" in response.content.decode()
        with in_tenant(chart_a):
            assert BankTransaction.objects.filter(status="posted", rule__isnull=False).count() == 3
            rule = BankRule.objects.get()
        empty = bookkeeper_client.post(
            url("bank-rule", chart_a, line_id=lines[0].pk),
            {"account_code": "445", "vat_treatment": "standard", "payee_contains": ""},
        )
        assert empty.status_code == 400 and "no condition" in empty.content.decode()
        off = bookkeeper_client.post(url("bank-rule-off", chart_a), {"rule": str(rule.pk)})
        assert off.status_code == 302
        assert bookkeeper_client.post(url("bank-rule-off", chart_a), {"rule": str(rule.pk)}).status_code == 409


class TestBulk:
    def test_accept_every_line_on_the_page(self, bookkeeper_client, chart_a, in_tenant):
        with in_tenant(chart_a):
            for n in range(4):
                bill(f"Supplier {n}", f"{10 + n}.00", date(2025, 3, 1), number=f"B{n}")
        for n in range(4):
            BankTransactionFactory(
                tenant=chart_a, amount=D(f"-{10 + n}.00"), date=date(2025, 3, 5), counterparty=f"Supplier {n}"
            )
        BankTransactionFactory(tenant=chart_a, amount=D("-1.00"), date=date(2025, 3, 5), counterparty="Nobody")
        response = bookkeeper_client.post(url("bank-bulk", chart_a), {"all": "1", "action": "accept"}, follow=True)
        assert "4 line(s) handled; 1 had no suggestion" in response.content.decode()
        with in_tenant(chart_a):
            assert BankSettlement.objects.count() == 4

    def test_selected_lines_must_be_this_business(self, client, chart_a, bookkeeper_b, chart_b, in_tenant):
        theirs = BankTransactionFactory(tenant=chart_a, amount=D("-1.00"))
        client.force_login(bookkeeper_b)
        response = client.post(url("bank-bulk", chart_b), {"line": [str(theirs.pk)], "action": "ignore", "reason": "x"})
        assert response.status_code == 404
        assert state(chart_a, in_tenant, theirs)[0] == "unposted"

    def test_bad_bulk_input_is_a_400(self, bookkeeper_client, chart_a):
        line = BankTransactionFactory(tenant=chart_a, amount=D("-1.00"))
        assert bookkeeper_client.post(url("bank-bulk", chart_a), {"line": ["nope"]}).status_code == 400
        ignore = bookkeeper_client.post(url("bank-bulk", chart_a), {"line": [str(line.pk)], "action": "ignore"})
        assert ignore.status_code == 400 and "Say why" in ignore.content.decode()


class TestPermissions:
    def test_a_viewer_sees_no_actions_and_cannot_act(self, client, chart_a, paying, in_tenant):
        invoice, out = paying
        client.force_login(make_member(chart_a, Role.VIEWER))
        body = client.get(url("bank", chart_a)).content.decode()
        assert "QUILLFEATHER" in body and "bill:" not in body and 'id="bulk"' not in body
        for name, data in [
            ("bank-accept", {"s": f"bill:{invoice.pk}"}),
            ("bank-undo", {}),
            ("bank-split", {}),
            ("bank-rule", {}),
        ]:
            assert client.post(url(name, chart_a, line_id=out.pk), data).status_code == 403
        assert client.get(url("bank-line", chart_a, line_id=out.pk)).status_code == 403
        assert client.post(url("bank-bulk", chart_a), {"all": "1", "action": "accept"}).status_code == 403
        assert client.get(url("bank-statement", chart_a)).status_code == 200
        assert state(chart_a, in_tenant, out) == ("unposted", 1, 0)

    def test_another_business_line_and_bill_are_not_found(self, client, chart_b, bookkeeper_b, paying, in_tenant):
        invoice, out = paying
        client.force_login(bookkeeper_b)
        assert client.post(url("bank-accept", chart_b, line_id=out.pk), {"s": "bill:x"}).status_code == 404
        assert client.get(url("bank-line", chart_b, line_id=out.pk)).status_code == 404
        mine = BankTransactionFactory(tenant=chart_b, amount=D("-120.00"), date=date(2025, 3, 16))
        response = client.post(url("bank-accept", chart_b, line_id=mine.pk), {"s": f"bill:{invoice.pk}"})
        assert response.status_code == 400 and "does not exist in this business" in response.content.decode()


def test_fifty_rows_are_small_and_cost_the_same_queries_as_one(bookkeeper_client, chart_a, in_tenant, keys):
    def load() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            response = bookkeeper_client.get(url("bank", chart_a))
        assert response.status_code == 200
        return len(response.content), len(ctx)

    def add(n: int, start: int) -> None:
        with in_tenant(chart_a):
            for i in range(start, start + n):
                bill(f"Supplier {i} Ltd", f"{20 + i}.00", date(2025, 3, 1), number=f"N{i}")
        for i in range(start, start + n):
            BankTransactionFactory(
                tenant=chart_a,
                amount=D(f"-{20 + i}.00"),
                date=date(2025, 3, 3),
                description=f"CARD PAYMENT TO SUPPLIER {i} LTD REF {i:08d}",
                counterparty=f"SUPPLIER {i} LTD",
            )

    add(1, 0)
    load()  # warm
    _, one = load()
    add(49, 1)
    size, fifty = load()
    assert fifty == one
    print(f"bank page: {size} bytes, {fifty} queries for 50 rows with suggestions")
    assert size < 60_000, f"{size} bytes for 50 rows"
    body = bookkeeper_client.get(url("bank", chart_a)).content.decode()
    assert len(re.findall(r'name="line" value=', body)) == 50 and body.count('name="s" value="bill:') == 50


def test_the_statement_page(bookkeeper_client, chart_a):
    ok = bookkeeper_client.get(url("bank-statement", chart_a), {"as_of": "2025-03-31", "balance": "-10.00"})
    assert ok.status_code == 200 and 'id="statement-difference"' in ok.content.decode()
    bad = bookkeeper_client.get(url("bank-statement", chart_a), {"as_of": "nope", "balance": "x"})
    assert bad.status_code == 400


def test_three_postings_of_one_payee_offer_a_rule_in_one_click(bookkeeper_client, chart_a, in_tenant, bookkeeper_a):
    from apps.ledger.services.bank import post_bank_line

    for n in range(3):
        done = BankTransactionFactory(
            tenant=chart_a, amount=D(f"-{20 + n}.00"), date=date(2025, 3, 1 + n), counterparty="Cloudbox Software"
        )
        with in_tenant(chart_a):
            post_bank_line(line=done, account_code="463", vat_treatment="standard", actor=bookkeeper_a)
    fourth = BankTransactionFactory(
        tenant=chart_a, amount=D("-23.00"), date=date(2025, 3, 9), counterparty="Cloudbox Software"
    )
    body = bookkeeper_client.get(url("bank", chart_a)).content.decode()
    assert "Make a rule" in body and "posted to 463 3 times" in body and 'value="history:463:standard"' in body
    form = {"payee_contains": "Cloudbox Software", "account_code": "463", "vat_treatment": "standard"}
    response = bookkeeper_client.post(url("bank-rule", chart_a, line_id=fourth.pk), form, **HTMX)
    assert response.status_code == 200 and "posted 1 line(s)" in response.content.decode()
    with in_tenant(chart_a):
        fourth.refresh_from_db()
        assert fourth.status == "posted" and fourth.rule is not None


def test_lines_posted_by_a_rule_cost_no_query_each(bookkeeper_client, chart_a, in_tenant, keys):
    from apps.ledger.services.bank_import import apply_bank_rules
    from tests.factories import BankRuleFactory

    with in_tenant(chart_a):
        BankRuleFactory(tenant=chart_a, payee_contains="Northern Power", account_code="445")

    def add(n: int) -> None:
        lines = [
            BankTransactionFactory(
                tenant=chart_a, amount=D(f"-{40 + i}.00"), date=date(2025, 3, 3), counterparty="Northern Power plc"
            )
            for i in range(n)
        ]
        with in_tenant(chart_a):
            assert apply_bank_rules(lines) == n

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            body = bookkeeper_client.get(url("bank", chart_a), {"status": "posted"}).content.decode()
        assert "by rule" in body
        return len(ctx)

    add(1)
    queries()  # warm
    one = queries()
    add(10)
    assert queries() == one
