"""Profit and loss and the balance sheet, built from the ledger's trial balance (reused, never re-summed here).

Why from trial balances: ``apps.ledger.selectors.trial_balance`` is the one SQL aggregate of every account's
debits and credits up to a date. A period's movement on an account is its balance at the period's end less
its balance the day before the period starts, so a P&L with its comparison is three trial balances and a
balance sheet with its comparison four: a fixed number of queries whatever the size of the ledger.

Signs: income, liabilities and equity are shown as credit balances (positive when in credit), expenses and
assets as debit balances. Net profit = income − expenses. The balance sheet's equity carries the profit
not yet closed to capital: retained earnings (before the financial year of the date) and the current
year's profit, so assets = liabilities + equity holds whenever the journal balances.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from apps.ledger.chart import AccountType
from apps.ledger.domain import ZERO
from apps.ledger.selectors import TrialBalance, trial_balance
from apps.reports.periods import Period, year_start

CREDIT_NORMAL = frozenset({AccountType.INCOME, AccountType.LIABILITY, AccountType.EQUITY})


@dataclass(frozen=True)
class Line:
    """One account's figure in a report's two columns; ``code`` empty for a computed line (current profit)."""

    code: str
    name: str
    this: Decimal
    previous: Decimal

    @property
    def change(self) -> Decimal:
        return self.this - self.previous


@dataclass
class Section:
    title: str
    lines: list[Line] = field(default_factory=list)

    @property
    def this(self) -> Decimal:
        return sum((ln.this for ln in self.lines), ZERO)

    @property
    def previous(self) -> Decimal:
        return sum((ln.previous for ln in self.lines), ZERO)

    @property
    def change(self) -> Decimal:
        return self.this - self.previous


def _balances(report: TrialBalance) -> dict[str, tuple[str, str, Decimal]]:
    """code -> (name, type, balance shown the way its type is read: credits positive for credit-normal)."""
    return {
        row.code: (row.name, row.type, -row.balance if row.type in CREDIT_NORMAL else row.balance)
        for row in report.rows
    }


def _movement(at_end: TrialBalance, before_start: TrialBalance) -> dict[str, tuple[str, str, Decimal]]:
    end, start = _balances(at_end), _balances(before_start)
    moved = {}
    for code, (name, kind, balance) in end.items():
        moved[code] = (name, kind, balance - start.get(code, ("", "", ZERO))[2])
    return moved


def _section(title: str, kind: str, this: dict, previous: dict) -> Section:
    codes = sorted({c for c, v in this.items() if v[1] == kind} | {c for c, v in previous.items() if v[1] == kind})
    lines = []
    for code in codes:
        name = (this.get(code) or previous[code])[0]
        now, then = this.get(code, ("", "", ZERO))[2], previous.get(code, ("", "", ZERO))[2]
        if now or then:
            lines.append(Line(code, name, now, then))
    return Section(title, lines)


@dataclass
class ProfitAndLoss:
    period: Period
    previous_period: Period
    income: Section
    expenses: Section

    @property
    def net_profit(self) -> Line:
        return Line(
            "", "Net profit", self.income.this - self.expenses.this, self.income.previous - self.expenses.previous
        )


def _day_before(day: date) -> date:
    return day - timedelta(days=1)


def profit_and_loss(period: Period) -> ProfitAndLoss:
    """Income and expenses moved in the period and in the previous period of the same length. Three queries."""
    previous = period.previous()
    at_end, at_previous_end = trial_balance(period.end), trial_balance(previous.end)
    before_previous = trial_balance(_day_before(previous.start))
    this = _movement(at_end, at_previous_end)  # previous.end is the day before period.start
    then = _movement(at_previous_end, before_previous)
    return ProfitAndLoss(
        period,
        previous,
        _section("Income", AccountType.INCOME, this, then),
        _section("Expenses", AccountType.EXPENSE, this, then),
    )


@dataclass
class BalanceSheet:
    as_of: date
    previous_as_of: date
    assets: Section
    liabilities: Section
    equity: Section  # capital accounts, retained earnings and the current year's profit

    @property
    def liabilities_and_equity(self) -> Line:
        return Line(
            "",
            "Liabilities and equity",
            self.liabilities.this + self.equity.this,
            self.liabilities.previous + self.equity.previous,
        )

    @property
    def balances(self) -> bool:
        both = self.liabilities_and_equity
        return self.assets.this == both.this and self.assets.previous == both.previous


def _profit(balances: dict) -> Decimal:
    """Income less expenses in credit-positive / debit-positive form."""
    income = sum((b for _, kind, b in balances.values() if kind == AccountType.INCOME), ZERO)
    expenses = sum((b for _, kind, b in balances.values() if kind == AccountType.EXPENSE), ZERO)
    return income - expenses


def _position(as_of: date) -> tuple[dict, Decimal, Decimal]:
    """(balances at the date, retained earnings, current year's profit). Two queries."""
    at_date = _balances(trial_balance(as_of))
    before_year = _balances(trial_balance(_day_before(year_start(as_of))))
    retained = _profit(before_year)
    return at_date, retained, _profit(at_date) - retained


def balance_sheet(as_of: date, previous_as_of: date) -> BalanceSheet:
    """Assets, liabilities and equity at ``as_of`` and at ``previous_as_of``. Four queries."""
    this, retained, current = _position(as_of)
    then, retained_then, current_then = _position(previous_as_of)
    equity = _section("Equity", AccountType.EQUITY, this, then)
    equity.lines.append(Line("", "Retained earnings", retained, retained_then))
    equity.lines.append(Line("", "Current year's profit", current, current_then))
    return BalanceSheet(
        as_of,
        previous_as_of,
        _section("Assets", AccountType.ASSET, this, then),
        _section("Liabilities", AccountType.LIABILITY, this, then),
        equity,
    )


def balance_sheet_for(period: Period) -> BalanceSheet:
    """The position at the period's end, compared with the end of the previous period of the same length."""
    return balance_sheet(period.end, period.previous().end)
