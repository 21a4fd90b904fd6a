"""The reports on the golden set: every good document's expected extraction posted through the real ledger.

The P&L's net profit must equal income less expenses read straight off the trial balance, the balance sheet
must balance, and the VAT detail's box totals must equal both the filing app's return and the golden
generator's own expected return (golden/expected/_vat_return.json, computed from its truth, not by this code).
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest

from apps.filing import calculation
from apps.filing.figures import period_figures
from apps.ledger.extraction import Extraction
from apps.ledger.selectors import trial_balance
from apps.ledger.services import seed_chart_of_accounts
from apps.ledger.services.posting import post_document
from apps.reports.periods import Period
from apps.reports.statements import balance_sheet, profit_and_loss
from apps.reports.vat_detail import detail_rows, vat_detail
from apps.tenancy.context import tenant_context
from golden.cases import load_cases, load_vat_return
from tests.factories.filing import VatObligationFactory
from tests.ledger.builders import classified

pytestmark = pytest.mark.django_db
ZERO = Decimal("0.00")


@pytest.fixture
def golden_books(tenant_a):
    goods = [c for c in load_cases() if c.group == "good" and c.expected.get("expected_state", "posted") == "posted"]
    assert len(goods) > 30
    with tenant_context(tenant_a):
        seed_chart_of_accounts(tenant_a)
        for case in goods:
            post_document(
                document_id=uuid.uuid4(),
                extraction=Extraction.from_json(case.expected["extraction"]),
                classification=classified(**case.expected["classification"]),
            )
    dates = [date.fromisoformat(c.expected["extraction"]["issue_date"]) for c in goods]
    return tenant_a, min(dates), max(dates)


def _income_less_expenses(as_of: date, before: date) -> Decimal:
    """Straight off two trial balances: credits less debits on income and expense accounts between the dates."""

    def net(report) -> Decimal:
        return sum((-r.balance for r in report.rows if r.type in ("income", "expense")), ZERO)

    return net(trial_balance(as_of)) - net(trial_balance(before))


def test_profit_and_loss_agrees_with_the_trial_balance(golden_books):
    tenant, first, last = golden_books
    with tenant_context(tenant):
        period = Period(first, last)
        report = profit_and_loss(period)
        expected = _income_less_expenses(last, period.previous().end)
        every_income = sum((-r.balance for r in trial_balance(last).rows if r.type == "income"), ZERO)
    assert report.net_profit.this == expected == report.income.this - report.expenses.this
    assert report.income.this == every_income  # nothing posted before the golden set's first date
    assert report.expenses.this > 0 and report.income.this > 0
    assert report.net_profit.previous == ZERO


def test_the_balance_sheet_balances(golden_books):
    tenant, first, last = golden_books
    with tenant_context(tenant):
        for as_of in (first, date(first.year, 6, 30), last):
            sheet = balance_sheet(as_of, first)
            assert sheet.balances, as_of
            assert sheet.assets.this == sheet.liabilities.this + sheet.equity.this


def test_vat_detail_totals_are_the_returns_boxes(golden_books):
    tenant, first, last = golden_books
    with tenant_context(tenant):
        everything = VatObligationFactory(tenant=tenant, start=first, end=last, period_key="GOLD")
        detail = vat_detail(everything, None, None)
        reference = calculation.figures_for(everything, None, None).boxes
        sql = period_figures(everything, None, None).boxes
        rows = list(detail_rows(everything, None, None))
    expected = {name: Decimal(value) for name, value in load_vat_return().items()}
    assert detail.boxes() == reference == sql
    assert detail.boxes().as_dict() == expected
    listed = {box: sum((r.amount for r in rows if r.box == box), ZERO) for box in (1, 4, 6, 7)}
    assert {t.box: t.exact for t in detail.totals} == listed
    assert sum(t.lines for t in detail.totals) == len(rows)
