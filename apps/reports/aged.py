"""Aged payables and receivables, by invoice date (bills and invoices carry no due date; decision 0041).

Neither the extraction (``apps.ledger.extraction.Extraction``) nor the journal records a due date, and a
payment posted from the bank feed settles the control account, not a named invoice. So the open items are
found first-in, first-out: payments clear the oldest invoices first, and the invoices still open at the
date are the newest ones whose amounts add up to the account's balance. Each is aged from its invoice date
into the standard buckets. One query with a window function (a running sum, newest first) whatever the
ledger's size; the rows it returns are the open items only, read in chunks.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import DecimalField, F, RowRange, Sum, Value, Window
from django.db.models.functions import Coalesce

from apps.ledger import chart
from apps.ledger.domain import ZERO
from apps.ledger.models import JournalLine

_MONEY = DecimalField(max_digits=16, decimal_places=2)
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


def open_items(kind: str, as_of: date, *, chunk: int = 2000) -> tuple[Decimal, Iterator[OpenItem]]:
    """(the account's balance at the date, the invoices still open, newest first)."""
    _, code, side = KINDS[kind]
    other = "credit" if side == "debit" else "debit"
    lines = JournalLine.objects.filter(account__code=code, entry__date__lte=as_of)
    totals = lines.aggregate(up=Sum(side), down=Sum(other))
    balance = (totals["up"] or ZERO) - (totals["down"] or ZERO)
    if balance <= 0:
        return balance, iter(())
    newest_first = [F("entry__date").desc(), F("entry__number").desc(), F("position").desc()]
    # What the newer invoices add up to before this one: it is (partly) open while that is below the balance.
    newer = Window(Sum(side), order_by=newest_first, frame=RowRange(start=None, end=-1), output_field=_MONEY)
    invoices = (
        lines.filter(**{f"{side}__gt": 0})
        .annotate(newer=Coalesce(newer, Value(ZERO), output_field=_MONEY))
        .filter(newer__lt=balance)
        .select_related("entry")
        .order_by(*newest_first)
    )

    def items() -> Iterator[OpenItem]:
        for line in invoices.iterator(chunk_size=chunk):
            amount = getattr(line, side)
            open_part = min(amount, balance - line.newer)
            yield OpenItem(
                line.entry.date, line.entry.number, line.description or line.entry.description,
                open_part, amount, (as_of - line.entry.date).days, line.entry_id,
            )  # fmt: skip

    return balance, items()


def aged_report(kind: str, as_of: date, *, list_limit: int = 200) -> AgedReport:
    """The bucket totals over every open item; the page lists the oldest ``list_limit`` items at most."""
    balance, items = open_items(kind, as_of)
    report = AgedReport(kind, as_of, balance if balance > 0 else ZERO)
    kept: list[OpenItem] = []
    explained = ZERO
    for item in items:
        report.totals[bucket_for(item.age_days)] += item.outstanding
        explained += item.outstanding
        kept.append(item)
        if len(kept) > list_limit:
            kept.pop(0)  # newest first: keep the oldest (the ones to chase)
    report.items = list(reversed(kept))
    report.unmatched = report.balance - explained
    return report
