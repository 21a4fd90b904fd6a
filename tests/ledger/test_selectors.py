"""Reports: the trial balance and an account's ledger, aggregated in SQL."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest

from apps.ledger import selectors, services
from apps.ledger.models import Account
from apps.ledger.services import LineSpec
from tests.helpers import commit_data_keys
from tests.ledger.builders import classified, make_extraction

pytestmark = pytest.mark.django_db
D = Decimal


def _post_month(owner) -> None:
    services.post_manual_entry(
        entry_date=date(2025, 1, 1),
        description="Opening capital",
        lines=[LineSpec("090", debit=D("5000.00")), LineSpec("970", credit=D("5000.00"))],
        actor=owner,
    )
    post = services.post_document
    post(
        document_id=uuid.uuid4(),
        extraction=make_extraction(issue_date=date(2025, 1, 10)),
        classification=classified("461"),
    )
    post(
        document_id=uuid.uuid4(),
        extraction=make_extraction(
            kind="sales_invoice",
            net="1000.00",
            vat="200.00",
            gross="1200.00",
            breakdown=[("20", "1000.00", "200.00")],
            issue_date=date(2025, 1, 20),
        ),
        classification=classified(None),
    )
    post(
        document_id=uuid.uuid4(),
        extraction=make_extraction(
            kind="credit_note",
            net="10.00",
            vat="2.00",
            gross="12.00",
            breakdown=[("20", "10.00", "2.00")],
            issue_date=date(2025, 2, 3),
        ),
        classification=classified("461"),
    )


def test_trial_balance_balances_after_several_postings(chart_a, in_tenant, owner_a):
    with in_tenant(chart_a):
        _post_month(owner_a)
        report = selectors.trial_balance()
    by_code = {row.code: row for row in report.rows}
    assert report.balanced
    assert report.total_debit == report.total_credit == D("6332.00")
    assert report.total_debit_balance == report.total_credit_balance
    assert [r.code for r in report.rows] == ["090", "200", "461", "610", "800", "820", "821", "970"]
    assert (by_code["461"].debit_total, by_code["461"].credit_total, by_code["461"].balance) == (
        D("100.00"),
        D("10.00"),
        D("90.00"),
    )
    assert by_code["800"].balance == D("-108.00") and by_code["800"].credit_balance == D("108.00")
    assert by_code["820"].balance == D("18.00")
    assert by_code["821"].balance == D("-200.00")
    assert all(isinstance(r.balance, Decimal) for r in report.rows)


def test_trial_balance_as_of_a_date(chart_a, in_tenant, owner_a):
    with in_tenant(chart_a):
        _post_month(owner_a)
        january = selectors.trial_balance(as_of=date(2025, 1, 31))
        before_anything = selectors.trial_balance(as_of=date(2024, 12, 31))
    assert january.balanced and january.total_debit == D("6320.00")
    assert {r.code: r.balance for r in january.rows}["461"] == D("100.00")
    assert before_anything.rows == [] and before_anything.balanced


def test_trial_balance_is_one_query_however_many_accounts(chart_a, in_tenant, owner_a, django_assert_num_queries):
    with in_tenant(chart_a):
        _post_month(owner_a)
        with django_assert_num_queries(1):
            assert len(selectors.trial_balance().rows) == 8


def test_trial_balance_shows_only_this_tenant(chart_a, chart_b, in_tenant, owner_a):
    with in_tenant(chart_a):
        _post_month(owner_a)
    with in_tenant(chart_b):
        assert selectors.trial_balance().rows == []


def test_account_ledger_has_a_running_balance(
    chart_a, in_tenant, owner_a, django_assert_num_queries, django_capture_on_commit_callbacks
):
    with in_tenant(chart_a):
        _post_month(owner_a)
    commit_data_keys(chart_a, django_capture_on_commit_callbacks)  # descriptions are sealed: key cached as on commit
    with in_tenant(chart_a):
        payables = Account.objects.get(code="800")
        with django_assert_num_queries(2):  # the sums (opening, totals), then the page
            full = selectors.account_ledger(payables)
        with django_assert_num_queries(2):
            february = selectors.account_ledger(payables, date_from=date(2025, 2, 1), date_to=date(2025, 2, 28))
    assert [(r.number, r.debit, r.credit, r.balance) for r in full.rows] == [
        (2, D("0.00"), D("120.00"), D("-120.00")),
        (4, D("12.00"), D("0.00"), D("-108.00")),
    ]
    assert full.closing_balance == D("-108.00")
    assert february.opening_balance == D("-120.00")
    assert [r.number for r in february.rows] == [4] and february.closing_balance == D("-108.00")
    assert "Credit note INV-1001 from Viking Direct Ltd" in february.rows[0].description


def test_entry_for_document_and_entry_detail(chart_a, in_tenant):
    document_id = uuid.uuid4()
    with in_tenant(chart_a):
        entry = services.post_document(
            document_id=document_id, extraction=make_extraction(), classification=classified()
        )
        assert selectors.entry_for_document(document_id) == entry
        assert selectors.entry_for_document(uuid.uuid4()) is None
        detail = selectors.entry_detail(entry.pk)
        assert [line.account.code for line in detail.lines.all()] == ["461", "820", "800"]


def test_account_ledger_pages_carry_the_running_balance_across(
    chart_a, in_tenant, owner_a, django_assert_num_queries, django_capture_on_commit_callbacks
):
    """Page by page (a keyset on date, journal, position), each page's balances continue the last page's, and
    the totals and closing are the whole range's, in two queries a page (decision 0034)."""
    from apps.ledger.paging import Cursor

    with in_tenant(chart_a):
        for _ in range(3):
            _post_month(owner_a)
    commit_data_keys(chart_a, django_capture_on_commit_callbacks)
    with in_tenant(chart_a):
        payables = Account.objects.get(code="800")
        whole = selectors.account_ledger(payables)
        pages, after = [], None
        while True:
            with django_assert_num_queries(2):
                page = selectors.account_ledger(payables, after=after, size=4)
            pages.append(page)
            if not page.next_cursor:
                break
            after = Cursor.decode(page.next_cursor)
    assert len(pages) == 2 and [len(p.rows) for p in pages] == [4, 2]
    assert [r.balance for p in pages for r in p.rows] == [r.balance for r in whole.rows]
    assert pages[0].brought_forward is None and pages[1].brought_forward == pages[0].rows[-1].balance
    assert {p.closing_balance for p in pages} == {whole.closing_balance}
