"""Property: P&L and balance sheet equal an independent plain-Python recomputation over random balanced journals.

Hypothesis writes journals of two to four lines on any account of the default chart, dated across two
financial years, posted through the ledger's own service. The reference below reads nothing but the list of
postings it generated: per account, the signed sum inside a date range, turned into sections the way an
accountant would. The reports must match it figure by figure, and the balance sheet must balance.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.ledger.chart import DEFAULT_CHART
from apps.ledger.services import seed_chart_of_accounts
from apps.ledger.services.journal import LineSpec
from apps.ledger.services.posting import post_manual_entry
from apps.reports.periods import Period
from apps.reports.statements import balance_sheet, profit_and_loss
from apps.tenancy.context import tenant_context

pytestmark = pytest.mark.django_db
ZERO = Decimal("0.00")
TYPES = {spec.code: spec.type.value for spec in DEFAULT_CHART}
CODES = sorted(TYPES)
FIRST_DAY = date(2024, 1, 1)


@st.composite
def journals(draw) -> tuple[date, list[tuple[str, Decimal]]]:
    """A dated, balanced journal: (day, [(account code, signed amount: debit positive)])."""
    day = FIRST_DAY + timedelta(days=draw(st.integers(0, 730)))
    n = draw(st.integers(1, 3))
    amounts = [draw(st.decimals(min_value="-5000.00", max_value="5000.00", places=2)) for _ in range(n)]
    amounts = [a for a in amounts if a] or [Decimal("1.00")]
    closing = -sum(amounts)
    if not closing:
        amounts.append(Decimal("1.00"))
        closing = -sum(amounts)
    codes = [draw(st.sampled_from(CODES)) for _ in range(len(amounts) + 1)]
    return day, list(zip(codes, [*amounts, closing], strict=True))


def movement(postings, start: date | None, end: date) -> dict[str, Decimal]:
    """Signed (debit-positive) sum per account of lines dated in [start, end]."""
    sums: dict[str, Decimal] = {}
    for day, lines in postings:
        if day <= end and (start is None or day >= start):
            for code, amount in lines:
                sums[code] = sums.get(code, ZERO) + amount
    return sums


def shown(code: str, signed: Decimal) -> Decimal:
    """As a report shows it: credit-normal types (income, liability, equity) positive when in credit."""
    return -signed if TYPES[code] in ("income", "liability", "equity") else signed


def by_type(sums: dict[str, Decimal], kind: str) -> dict[str, Decimal]:
    return {c: shown(c, v) for c, v in sums.items() if TYPES[c] == kind and v}


def profit(sums: dict[str, Decimal]) -> Decimal:
    return sum(by_type(sums, "income").values(), ZERO) - sum(by_type(sums, "expense").values(), ZERO)


def figures(section, column: str) -> dict[str, Decimal]:
    return {ln.code: getattr(ln, column) for ln in section.lines if ln.code and getattr(ln, column)}


@pytest.fixture
def chart_a(tenant_a):
    with tenant_context(tenant_a):
        seed_chart_of_accounts(tenant_a)
    return tenant_a


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
@given(
    postings=st.lists(journals(), min_size=1, max_size=12),
    start=st.integers(0, 700),
    length=st.integers(0, 200),
)
def test_reports_equal_an_independent_recomputation(chart_a, owner_a, postings, start, length):
    period = Period(FIRST_DAY + timedelta(days=start), FIRST_DAY + timedelta(days=start + length))
    previous = period.previous()
    with tenant_context(chart_a), transaction.atomic():
        for day, lines in postings:
            specs = [LineSpec(c, debit=a) if a > 0 else LineSpec(c, credit=-a) for c, a in lines]
            post_manual_entry(entry_date=day, description="property", lines=specs, actor=owner_a)
        pl = profit_and_loss(period)
        sheet = balance_sheet(period.end, previous.end)
        transaction.set_rollback(True)

    this, then = movement(postings, period.start, period.end), movement(postings, previous.start, previous.end)
    assert {ln.code: ln.this for ln in pl.income.lines if ln.this} == by_type(this, "income")
    assert {ln.code: ln.this for ln in pl.expenses.lines if ln.this} == by_type(this, "expense")
    assert {ln.code: ln.previous for ln in pl.expenses.lines if ln.previous} == by_type(then, "expense")
    assert pl.net_profit.this == profit(this) and pl.net_profit.previous == profit(then)

    for as_of, column in ((period.end, "this"), (previous.end, "previous")):
        upto = movement(postings, None, as_of)
        before_year = movement(postings, None, date(as_of.year, 1, 1) - timedelta(days=1))
        assert figures(sheet.assets, column) == by_type(upto, "asset")
        assert figures(sheet.liabilities, column) == by_type(upto, "liability")
        assert figures(sheet.equity, column) == by_type(upto, "equity")
        named = {ln.name: getattr(ln, column) for ln in sheet.equity.lines if not ln.code}
        assert named["Retained earnings"] == profit(before_year)
        assert named["Current year's profit"] == profit(upto) - profit(before_year)
    assert sheet.balances
