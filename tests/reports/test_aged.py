"""Aged payables and receivables by invoice date: payments clear the oldest invoices first."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from apps.ledger.services.journal import LineSpec
from apps.ledger.services.posting import post_manual_entry
from apps.reports.aged import BUCKETS, aged_report, bucket_for
from apps.tenancy.context import tenant_context
from tests.factories.books import purchase, sale, vat_books

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.mark.parametrize(("days", "bucket"), [(-3, 0), (0, 0), (1, 1), (30, 1), (31, 2), (60, 2), (61, 3),
                                              (90, 3), (91, 4), (400, 4)])  # fmt: skip
def test_buckets(days, bucket):
    assert bucket_for(days) == bucket


def _pay_supplier(day: date, amount: str, actor) -> None:
    post_manual_entry(entry_date=day, description="Paid supplier", actor=actor,
                      lines=[LineSpec("800", debit=D(amount)), LineSpec("090", credit=D(amount))])  # fmt: skip


def test_payments_clear_the_oldest_bills_first(tenant_a, owner_a):
    vat_books(tenant_a)
    with tenant_context(tenant_a):
        purchase(date(2025, 1, 5), "100.00", "20.00", actor=owner_a)  # 120, 145 days old at 30 May
        purchase(date(2025, 3, 20), "200.00", "40.00", actor=owner_a)  # 240, 71 days
        purchase(date(2025, 5, 10), "50.00", "10.00", actor=owner_a)  # 60, 20 days
        purchase(date(2025, 5, 30), "10.00", "2.00", actor=owner_a)  # 12, current
        _pay_supplier(date(2025, 4, 1), "120.00", owner_a)  # clears the January bill
        _pay_supplier(date(2025, 5, 1), "40.00", owner_a)  # part of March's
        report = aged_report("payables", date(2025, 5, 30))
    assert report.balance == D("272.00")
    assert dict(zip(BUCKETS, report.totals, strict=True)) == {
        "Current": D("12.00"), "1–30 days": D("60.00"), "31–60 days": D("0"), "61–90 days": D("200.00"),
        "Over 90 days": D("0"),
    }  # fmt: skip
    assert report.total == report.balance and report.unmatched == 0
    assert [(i.date, i.outstanding, i.original) for i in report.items] == [
        (date(2025, 3, 20), D("200.00"), D("240.00")),
        (date(2025, 5, 10), D("60.00"), D("60.00")),
        (date(2025, 5, 30), D("12.00"), D("12.00")),
    ]


def test_receivables_at_an_earlier_date_and_when_all_is_paid(tenant_a, owner_a):
    vat_books(tenant_a)
    with tenant_context(tenant_a):
        sale(date(2025, 1, 10), "1000.00", "200.00", actor=owner_a)
        paid = [LineSpec("090", debit=D("1200.00")), LineSpec("610", credit=D("1200.00"))]
        post_manual_entry(entry_date=date(2025, 2, 1), description="Customer paid", actor=owner_a, lines=paid)
        before = aged_report("receivables", date(2025, 1, 31))
        after = aged_report("receivables", date(2025, 2, 28))
    assert before.totals[1] == D("1200.00") and before.items[0].age_days == 21
    assert after.balance == 0 and after.items == [] and after.total == 0


def test_the_page_lists_the_oldest_items_only_but_totals_all(tenant_a, owner_a):
    vat_books(tenant_a)
    with tenant_context(tenant_a):
        for day in range(1, 6):
            purchase(date(2025, 1, day), "10.00", "0.00", treatment="zero", actor=owner_a)
        report = aged_report("payables", date(2025, 6, 30), list_limit=2)
    assert [i.date.day for i in report.items] == [1, 2]
    assert report.total == D("50.00")


@pytest.mark.postgres  # the monthly summary is kept by PostgreSQL triggers
@pytest.mark.parametrize("seed", [4, 12, 2026])
def test_reading_from_the_month_the_balance_reaches_changes_nothing(tenant_a, owner_a, monkeypatch, seed):
    """The bound (ledger.balances.month_reaching) against the report read over the whole history."""
    import random

    from apps.ledger import balances
    from apps.reports import aged

    rng = random.Random(seed)
    vat_books(tenant_a)
    with tenant_context(tenant_a):
        for month in range(1, 13):
            for _ in range(rng.randrange(0, 4)):
                purchase(date(2025, month, rng.randrange(1, 29)), f"{rng.randrange(5, 400)}.00", "0.00",
                         treatment="zero", actor=owner_a)  # fmt: skip
            if rng.random() < 0.6:
                _pay_supplier(date(2025, month, 28), f"{rng.randrange(50, 700)}.00", owner_a)
        reached = []
        for as_of in (date(2025, 3, 31), date(2025, 7, 15), date(2025, 12, 31), date(2026, 2, 1)):
            bounded = aged_report("payables", as_of)
            reached.append(balances.month_reaching("800", "credit", bounded.balance, as_of))
            with monkeypatch.context() as m:
                m.setattr(aged, "month_reaching", lambda *args: None)
                whole = aged_report("payables", as_of)
            assert (bounded.totals, bounded.items, bounded.unmatched) == (whole.totals, whole.items, whole.unmatched)
    assert any(month is not None for month in reached)  # the bound was used, not only the whole history
