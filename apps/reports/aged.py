"""Aged payables and receivables, by invoice date (bills and invoices carry no due date; decision 0041).

Neither the extraction (``apps.ledger.extraction.Extraction``) nor the journal records a due date, and a
payment posted from the bank feed settles the control account, not a named invoice. So the open items are
found first-in, first-out: payments clear the oldest invoices first, and the invoices still open at the
date are the newest ones whose amounts add up to the account's balance. Each is aged from its invoice date
into the standard buckets. The balance comes from the ledger's monthly summary; one query with a window
function (a running sum, newest first) finds the open items, whose totals are summed from their dates and
amounts alone; only the items the page lists (the oldest) are read with their entries (decision 0043).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import connections
from django.db.models import DecimalField, F, QuerySet, RowRange, Sum, Value, Window
from django.db.models.functions import Coalesce

from apps.ledger import chart
from apps.ledger.balances import account_sums, month_reaching
from apps.ledger.domain import ZERO
from apps.ledger.models import JournalLine

_MONEY = DecimalField(max_digits=16, decimal_places=2)
CENT = Decimal("0.01")
BUCKETS = ("Current", "1–30 days", "31–60 days", "61–90 days", "Over 90 days")
KINDS = {
    # kind: (title, control account, the side an invoice posts to)
    "receivables": ("Aged receivables", chart.ACCOUNTS_RECEIVABLE, "debit"),
    "payables": ("Aged payables", chart.ACCOUNTS_PAYABLE, "credit"),
}


def bucket_for(age_days: int) -> int:
    """Index into BUCKETS: 0 days is current (aged by invoice date, an invoice is current on its own day)."""
    if age_days <= 0:
        return 0
    if age_days <= 30:
        return 1
    if age_days <= 60:
        return 2
    if age_days <= 90:
        return 3
    return 4


@dataclass(frozen=True)
class OpenItem:
    date: date
    number: int
    party: str
    outstanding: Decimal
    original: Decimal
    age_days: int
    entry_id: object = None  # the invoice's journal entry (the page links to it)

    @property
    def bucket(self) -> str:
        return BUCKETS[bucket_for(self.age_days)]


@dataclass
class AgedReport:
    kind: str
    as_of: date
    balance: Decimal  # the control account's balance at the date (what the items add up to)
    totals: list[Decimal] = field(default_factory=lambda: [ZERO] * len(BUCKETS))
    items: list[OpenItem] = field(default_factory=list)
    unmatched: Decimal = ZERO  # balance the invoices do not explain (payments in advance, opening balances)

    @property
    def title(self) -> str:
        return KINDS[self.kind][0]

    @property
    def account_code(self) -> str:
        return KINDS[self.kind][1]

    @property
    def total(self) -> Decimal:
        return sum(self.totals, ZERO)


def _open_invoices(kind: str, as_of: date) -> tuple[Decimal, QuerySet[JournalLine] | None]:
    """(the account's balance at the date, its invoice lines still open, each with ``newer``), None when none.

    The balance comes from the ledger's monthly summary (bounded by months, not lines; decision 0043).
    """
    _, code, side = KINDS[kind]
    found = next((s for s in account_sums(as_of) if s.code == code), None)
    balance = ZERO if found is None else (found.debit - found.credit if side == "debit" else found.credit - found.debit)
    if balance <= 0:
        return balance, None
    newest_first = [F("entry__date").desc(), F("entry__number").desc(), F("position").desc()]
    # What the newer invoices add up to before this one: it is (partly) open while that is below the balance.
    newer = Window(Sum(side), order_by=newest_first, frame=RowRange(start=None, end=-1), output_field=_MONEY)
    lines = JournalLine.objects.filter(account__code=code, entry__date__lte=as_of, **{f"{side}__gt": 0})
    since = month_reaching(code, side, balance, as_of)  # no open item is older (decision 0043)
    if since is not None:
        lines = lines.filter(entry__date__gte=since)
    invoices = lines.annotate(newer=Coalesce(newer, Value(ZERO), output_field=_MONEY)).filter(newer__lt=balance)
    return balance, invoices


def _item(line: JournalLine, side: str, balance: Decimal, as_of: date) -> OpenItem:
    amount = getattr(line, side)
    return OpenItem(
        line.entry.date, line.entry.number, line.description or line.entry.description,
        min(amount, balance - line.newer), amount, (as_of - line.entry.date).days, line.entry_id,
    )  # fmt: skip


def open_items(kind: str, as_of: date, *, chunk: int = 2000) -> tuple[Decimal, Iterator[OpenItem]]:
    """(the account's balance at the date, every invoice still open, newest first, read in chunks)."""
    side = KINDS[kind][2]
    balance, invoices = _open_invoices(kind, as_of)
    if invoices is None:
        return balance, iter(())
    newest_first = [F("entry__date").desc(), F("entry__number").desc(), F("position").desc()]
    lines = invoices.select_related("entry").order_by(*newest_first).iterator(chunk_size=chunk)
    return balance, (_item(line, side, balance, as_of) for line in lines)


def _bucket_totals(invoices: QuerySet[JournalLine], side: str, balance: Decimal, as_of: date) -> list[tuple]:
    """(bucket, open amount) summed in SQL around the running-sum query: five rows, whatever the open items.

    Why SQL: summing thousands of rows in Python made every few requests pay a full garbage collection."""
    named = invoices.annotate(aged_on=F("entry__date"), open_amount=F(side)).values_list(
        "aged_on", "open_amount", "newer"
    )
    inner, params = named.query.sql_with_params()
    edges = [as_of - timedelta(days=days) for days in (0, 30, 60, 90)]  # bucket_for's limits as invoice dates
    # The ORM's own SQL around; every value is a parameter.
    sql = (
        "SELECT CASE WHEN aged_on >= %s THEN 0 WHEN aged_on >= %s THEN 1 WHEN aged_on >= %s THEN 2 "  # noqa: S608
        "WHEN aged_on >= %s THEN 3 ELSE 4 END AS bucket, "
        "SUM(CASE WHEN open_amount < %s - newer THEN open_amount ELSE %s - newer END) "
        f"FROM ({inner}) AS open_items GROUP BY 1"
    )
    with connections[invoices.db].cursor() as cursor:
        cursor.execute(sql, [*edges, balance, balance, *params])
        # SQLite (the demo) sums in floating point: back to pennies, as the ledger stores them.
        return [(int(bucket), Decimal(str(total)).quantize(CENT)) for bucket, total in cursor.fetchall()]


def aged_report(kind: str, as_of: date, *, list_limit: int = 200) -> AgedReport:
    """The bucket totals over every open item; the page lists the oldest ``list_limit`` items at most.

    Four queries: the balance, the month the balance reaches, the bucket totals summed in SQL around the
    running sum, and the oldest ``list_limit`` open items read whole (opening every open item's entry and
    sealed description was most of the page's time).
    """
    side = KINDS[kind][2]
    balance, invoices = _open_invoices(kind, as_of)
    report = AgedReport(kind, as_of, balance if balance > 0 else ZERO)
    if invoices is None:
        report.unmatched = report.balance
        return report
    for bucket, total in _bucket_totals(invoices, side, balance, as_of):
        report.totals[bucket] += total
    explained = sum(report.totals, ZERO)
    oldest_first = [F("entry__date").asc(), F("entry__number").asc(), F("position").asc()]
    listed = invoices.select_related("entry").order_by(*oldest_first)[:list_limit]
    report.items = [_item(line, side, balance, as_of) for line in listed]
    report.unmatched = report.balance - explained
    return report
