"""Account sums up to a date: whole months from the stored summary, the rest of the month from the lines.

Why: a balance at a date used to sum every journal line since the first posting, so every report and the VAT
period's blocker grew with the business's history (issue #18). On PostgreSQL a trigger keeps
``AccountMonth`` (migration 0021); a balance reads the months before the date's month there (one row per
account and month) and only the lines of the date's own month, unless the date is a month's last day
(then none): at most one month of lines whatever the history (decision 0043).

SQLite (the embedded demo, the golden runs) has no trigger and so no summary: there the same figures are
summed from the lines, by the one ORM query the selectors always ran. ``connection.vendor`` picks the path.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import BigIntegerField, Count, DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django_scopes import ScopeError

from apps.ledger.domain import ZERO
from apps.ledger.models import Account, AccountMonth, JournalLine
from apps.tenancy.context import current_tenant_id

_MONEY = DecimalField(max_digits=16, decimal_places=2)


@dataclass(frozen=True)
class AccountSum:
    code: str
    name: str
    type: str
    debit: Decimal
    credit: Decimal


def month_cut(as_of: date) -> date:
    """The first day the summary does not cover: the next month's first day when ``as_of`` ends its month."""
    first = as_of.replace(day=1)
    if first == date.max.replace(day=1):
        return first  # no month follows December 9999: its lines are read
    following = (first + timedelta(days=32)).replace(day=1)
    return following if as_of == following - timedelta(days=1) else first


def uses_summary() -> bool:
    return connection.vendor == "postgresql"


# Whole months before the cut from the summary, lines from the cut to the date (bounded by the entries'
# (tenant, date) index). The tenant is named as well as enforced by row-level security, for the planner.
_SUMMED = """
SELECT a.code, a.name, a.type, sums.debit, sums.credit
FROM (
  SELECT account_id, sum(debit) AS debit, sum(credit) AS credit, sum(n) AS n
  FROM (
    SELECT m.account_id, m.debit, m.credit, m.line_count AS n
    FROM ledger_accountmonth m
    WHERE m.tenant_id = %(tenant)s AND m.month < %(cut)s
    UNION ALL
    SELECT l.account_id, l.debit, l.credit, 1
    FROM ledger_journalentry e JOIN ledger_journalline l ON l.entry_id = e.id
    WHERE e.tenant_id = %(tenant)s AND l.tenant_id = %(tenant)s AND e.date >= %(cut)s AND e.date <= %(as_of)s
  ) AS parts
  GROUP BY account_id
  HAVING sum(n) > 0
) AS sums
JOIN ledger_account a ON a.id = sums.account_id
ORDER BY a.code
"""


def month_reaching(code: str, side: str, amount: Decimal, as_of: date) -> date | None:
    """The latest month (its first day) from which the account's ``side`` postings, summed newest first over
    whole months before ``as_of``'s month cut, reach ``amount``; None when they never do or there is no summary.

    Why: the aged report's open items are the newest invoices adding up to the balance (first in, first out),
    so none is older than this month; reading from here bounds it by the open items, not the history. The
    lines after the cut are left out of the sum, which can only move the month earlier (never miss an item).
    """
    if not uses_summary() or amount <= 0:
        return None
    months = (
        AccountMonth.objects.filter(account__code=code, month__lt=month_cut(as_of), **{f"{side}__gt": 0})
        .order_by("-month")
        .values_list("month", side)
    )
    reached = ZERO
    for month, value in months.iterator(chunk_size=120):
        reached += value
        if reached >= amount:
            return month
    return None


def _tenant() -> uuid.UUID:
    tenant = current_tenant_id()
    if tenant is None:
        raise ScopeError("Account balances read outside a tenant context.")
    return tenant


def account_sums(as_of: date | None = None, *, from_lines: bool = False) -> list[AccountSum]:
    """Every account with lines dated up to ``as_of`` (inclusive; all time when None), in code order. One query.

    ``from_lines`` sums the lines themselves: what an integrity check (a restore drill) must read, since a
    summary kept by triggers cannot vouch for lines changed past the triggers.
    """
    if from_lines or not uses_summary():
        return _from_lines(as_of)
    cut = date.max if as_of is None else month_cut(as_of)
    with connection.cursor() as cursor:
        cursor.execute(_SUMMED, {"tenant": _tenant(), "cut": cut, "as_of": as_of or date.max})
        return [AccountSum(*row) for row in cursor.fetchall()]


def _from_lines(as_of: date | None) -> list[AccountSum]:
    """Every line summed (SQLite, where no summary is kept)."""
    in_range = Q(lines__entry__date__lte=as_of) if as_of else None
    accounts = (
        Account.objects.annotate(
            debit_total=Coalesce(Sum("lines__debit", filter=in_range), Value(ZERO), output_field=_MONEY),
            credit_total=Coalesce(Sum("lines__credit", filter=in_range), Value(ZERO), output_field=_MONEY),
            line_count=Count("lines", filter=in_range),
        )
        .filter(line_count__gt=0)
        .order_by("code")
        .values_list("code", "name", "type", "debit_total", "credit_total")
    )
    return [AccountSum(*row) for row in accounts]


_DIFFERENCE = """
SELECT coalesce(sum(debit), 0) - coalesce(sum(credit), 0)
FROM (
  SELECT m.debit, m.credit FROM ledger_accountmonth m WHERE m.tenant_id = %(tenant)s AND m.month < %(cut)s
  UNION ALL
  SELECT l.debit, l.credit
  FROM ledger_journalentry e JOIN ledger_journalline l ON l.entry_id = e.id
  WHERE e.tenant_id = %(tenant)s AND l.tenant_id = %(tenant)s AND e.date >= %(cut)s AND e.date <= %(as_of)s
) AS parts
"""


def debits_less_credits(as_of: date) -> Decimal:
    """Total debits less total credits of lines dated up to ``as_of`` (zero in a healthy ledger). One query."""
    if not uses_summary():
        totals = JournalLine.objects.filter(entry__date__lte=as_of).aggregate(
            d=Coalesce(Sum("debit"), Value(ZERO), output_field=_MONEY),
            c=Coalesce(Sum("credit"), Value(ZERO), output_field=_MONEY),
        )
        return totals["d"] - totals["c"]
    with connection.cursor() as cursor:
        cursor.execute(_DIFFERENCE, {"tenant": _tenant(), "cut": month_cut(as_of), "as_of": as_of})
        return Decimal(cursor.fetchone()[0])


def with_line_counts(accounts: QuerySet[Account]) -> QuerySet[Account]:
    """``accounts`` annotated with ``line_count``: all their lines, from the summary's months on PostgreSQL."""
    if not uses_summary():
        return accounts.annotate(line_count=Count("lines"))
    counted = (
        AccountMonth.objects.filter(account=OuterRef("pk")).values("account").annotate(n=Sum("line_count")).values("n")
    )
    return accounts.annotate(line_count=Coalesce(Subquery(counted), Value(0), output_field=BigIntegerField()))
