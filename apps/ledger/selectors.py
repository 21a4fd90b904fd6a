"""Read queries over the ledger, shared by views, the VAT return and reconciliation. Inside tenant_context.

Totals are aggregated in SQL (one query per report, no per-account queries);
balances are debits minus credits, so a credit balance is negative.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, DecimalField, Exists, OuterRef, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from apps.ledger import balances, paging
from apps.ledger.domain import ZERO, EntryKind
from apps.ledger.models import (
    Account,
    BankTransaction,
    JournalAttachment,
    JournalCounter,
    JournalEntry,
    JournalLine,
    Rule,
)
from apps.ledger.paging import Cursor

_MONEY = DecimalField(max_digits=16, decimal_places=2)


@dataclass(frozen=True)
class TrialBalanceRow:
    code: str
    name: str
    type: str
    debit_total: Decimal
    credit_total: Decimal

    @property
    def balance(self) -> Decimal:
        return self.debit_total - self.credit_total

    @property
    def debit_balance(self) -> Decimal:
        return self.balance if self.balance > 0 else ZERO

    @property
    def credit_balance(self) -> Decimal:
        return -self.balance if self.balance < 0 else ZERO


@dataclass(frozen=True)
class TrialBalance:
    as_of: date | None
    rows: list[TrialBalanceRow]

    @property
    def total_debit(self) -> Decimal:
        return sum((r.debit_total for r in self.rows), ZERO)

    @property
    def total_credit(self) -> Decimal:
        return sum((r.credit_total for r in self.rows), ZERO)

    @property
    def total_debit_balance(self) -> Decimal:
        return sum((r.debit_balance for r in self.rows), ZERO)

    @property
    def total_credit_balance(self) -> Decimal:
        return sum((r.credit_balance for r in self.rows), ZERO)

    @property
    def balanced(self) -> bool:
        return self.total_debit == self.total_credit and self.total_debit_balance == self.total_credit_balance


def trial_balance(as_of: date | None = None, *, from_lines: bool = False) -> TrialBalance:
    """Every account with postings up to ``as_of`` (inclusive; all time when None), in code order.

    One query, bounded by accounts and months, not by lines, on PostgreSQL (``apps.ledger.balances``);
    ``from_lines`` sums every line instead (integrity checks).
    """
    sums = balances.account_sums(as_of, from_lines=from_lines)
    rows = [TrialBalanceRow(s.code, s.name, s.type, s.debit, s.credit) for s in sums]
    return TrialBalance(as_of, rows)


@dataclass(frozen=True)
class LedgerRow:
    entry_id: uuid.UUID
    number: int
    date: date
    description: str
    kind: str
    debit: Decimal
    credit: Decimal
    balance: Decimal  # running, after this line


@dataclass(frozen=True)
class AccountLedger:
    """One page of an account's lines; the opening, totals and closing are the whole range's (SQL sums)."""

    account: Account
    date_from: date | None
    date_to: date | None
    opening_balance: Decimal  # before date_from
    rows: list[LedgerRow]
    total_debit: Decimal = ZERO  # over the whole range, every page
    total_credit: Decimal = ZERO
    brought_forward: Decimal | None = None  # the balance before this page's first row, when not the first page
    next_cursor: str = ""  # "" on the last page

    @property
    def closing_balance(self) -> Decimal:
        return self.opening_balance + self.total_debit - self.total_credit


LEDGER_PAGE_SIZE = 100


def account_ledger(
    account: Account,
    date_from: date | None = None,
    date_to: date | None = None,
    *,
    after: Cursor | None = None,
    size: int = LEDGER_PAGE_SIZE,
) -> AccountLedger:
    """A page of the account's lines in date order with a running balance right across pages.

    Two queries whatever the account's size: one aggregate (opening, the range's totals and, past the first
    page, the balance brought forward, all summed in SQL), then the page found by its keyset.
    """
    lines = JournalLine.objects.filter(account=account)
    in_range = Q()
    if date_from:
        in_range &= Q(entry__date__gte=date_from)
    if date_to:
        in_range &= Q(entry__date__lte=date_to)

    def total(column: str, where: Q) -> Coalesce:
        return Coalesce(Sum(column, filter=where or None), Value(ZERO), output_field=_MONEY)

    nothing = Q(pk__isnull=True)  # no line matches: a sum of none is zero
    before = Q(entry__date__lt=date_from) if date_from else nothing
    earlier = (in_range & ~after.after()) if after else nothing
    sums = lines.aggregate(
        open_d=total("debit", before), open_c=total("credit", before),
        range_d=total("debit", in_range), range_c=total("credit", in_range),
        page_d=total("debit", earlier), page_c=total("credit", earlier),
    )  # fmt: skip
    opening = sums["open_d"] - sums["open_c"]
    balance = opening + sums["page_d"] - sums["page_c"]
    page = lines.filter(in_range)
    if after:
        page = page.filter(after.after())
    found = list(page.select_related("entry").order_by(*paging.ORDER)[: size + 1])
    more = len(found) > size
    rows: list[LedgerRow] = []
    brought_forward = balance if after else None
    for line in found[:size]:
        balance += line.debit - line.credit
        description = line.entry.description
        if line.description and line.description not in description:
            description = f"{description} · {line.description}" if description else line.description
        rows.append(
            LedgerRow(
                line.entry_id, line.entry.number, line.entry.date, description, line.entry.kind,
                line.debit, line.credit, balance,
            )
        )  # fmt: skip
    return AccountLedger(
        account, date_from, date_to, opening, rows,
        total_debit=sums["range_d"], total_credit=sums["range_c"], brought_forward=brought_forward,
        next_cursor=Cursor.of(found[size - 1]).encode() if more else "",
    )  # fmt: skip


def chart_of_accounts() -> QuerySet[Account]:
    """Every account with its number of lines (counted from the monthly summary on PostgreSQL)."""
    return balances.with_line_counts(Account.objects.all()).order_by("code")


def account_by_code(code: str) -> Account | None:
    return Account.objects.filter(code=code).first()


def active_account_codes() -> set[str]:
    return set(Account.objects.filter(is_active=True).values_list("code", flat=True))


def journal_entries() -> QuerySet[JournalEntry]:
    return JournalEntry.objects.annotate(
        total=Coalesce(Sum("lines__debit"), Value(ZERO), output_field=_MONEY)
    ).order_by("-date", "-number")


def manual_journals(limit: int = 100) -> list[JournalEntry]:
    """Manual journals, newest first, with their total and who posted them."""
    return list(journal_entries().filter(kind=EntryKind.MANUAL).select_related("created_by", "attached_file")[:limit])


def entry_detail(entry_id: uuid.UUID) -> JournalEntry | None:
    """One entry with its lines and accounts, what it reverses and what reversed it."""
    return (
        JournalEntry.objects.filter(pk=entry_id)
        .select_related("reverses", "created_by", "attached_file")
        .prefetch_related(
            Prefetch("lines", queryset=JournalLine.objects.select_related("account").order_by("position")),
            Prefetch("reversals", queryset=JournalEntry.objects.all()),
        )
        .first()
    )


def entry_attachment(entry_id: uuid.UUID) -> JournalAttachment | None:
    """The file attached to an entry of the current business, if any."""
    return JournalAttachment.objects.filter(entry_id=entry_id).first()


def entry_for_document(document_id: uuid.UUID) -> JournalEntry | None:
    """The entry a document was last posted as, if any (for the documents app)."""
    return JournalEntry.objects.filter(source_document_id=document_id).order_by("-document_posting").first()


def tenant_rules() -> QuerySet[Rule]:
    return Rule.objects.select_related("created_by").order_by("priority", "created_at")


def vat_relevant_lines(*, up_to: date, since: date | None = None, exclude=None) -> QuerySet[JournalLine]:
    """Journal lines dated up to ``up_to`` (and from ``since``), with their entry and account, oldest first.

    ``exclude`` is a queryset of journal line ids to leave out (the lines a
    filed VAT return has already claimed). The filing app reads this.
    """
    lines = JournalLine.objects.filter(entry__date__lte=up_to).select_related("entry", "account")
    if since is not None:
        lines = lines.filter(entry__date__gte=since)
    if exclude is not None:
        lines = lines.exclude(pk__in=exclude)
    return lines.order_by("entry__date", "entry__number", "position")


def last_journal_number() -> int:
    """The highest journal number handed out (0 before the first posting).

    Numbers come from the locked per-tenant counter and commit with it, so every
    entry numbered up to this value is committed and visible to the caller's next
    statement: the filing app records it when it claims a period's lines.
    """
    found = JournalCounter.objects.values_list("last_number", flat=True).first()
    return found or 0


def unbalanced_as_of(as_of: date) -> Decimal:
    """Total debits less total credits of entries up to ``as_of`` (zero in a healthy ledger). One bounded query."""
    return balances.debits_less_credits(as_of)


# --- Bank-feed lines ----------------------------------------------------------


def _needs_posting() -> Q:
    """Unposted, or posted/matched to an entry that has since been reversed (the books no longer hold it).

    An EXISTS, not a join through the reversals: a join can repeat a line (hence the DISTINCT or ``pk__in``
    callers needed), and a planner that underestimates a business's lines (a new one, before ANALYZE) nested
    the ``pk__in`` form quadratically: 28 ms against 2 ms for 400 lines (``manage.py bench_bank``)."""
    reversed_entry = JournalEntry.objects.filter(reverses=OuterRef("journal_entry_id"))
    return Q(status=BankTransaction.Status.UNPOSTED) | Q(Exists(reversed_entry))


def unposted_bank_lines(*, start: date, end: date) -> list:
    """Bank lines dated ``start`` to ``end`` inclusive that are not in the books yet (the filing app's blocker)."""
    return list(
        BankTransaction.objects.filter(_needs_posting(), date__gte=start, date__lte=end).order_by(
            "date", "feed_account_id", "external_id"
        )
    )


def unposted_bank_line_count(*, start: date, end: date) -> int:
    """How many ``unposted_bank_lines`` there are, counted in SQL (the blocker needs the number only)."""
    return BankTransaction.objects.filter(_needs_posting(), date__gte=start, date__lte=end).count()


BANK_FILTERS = ("unposted", "posted", "matched", "ignored", "all")


def bank_line(line_id: uuid.UUID):
    return BankTransaction.objects.select_related("journal_entry", "rule").filter(pk=line_id).first()


def bank_line_counts() -> dict[str, int]:
    """How many lines each filter of the bank page shows."""
    by_status = dict(BankTransaction.objects.values_list("status").annotate(n=Count("pk")).order_by())
    counts = {status: by_status.get(status, 0) for status in BANK_FILTERS}
    # Unposted lines, plus posted or matched ones whose entry was since reversed: two disjoint sets, so a sum
    # and an EXISTS, not a DISTINCT over the join of every line with the reversals (decision 0035).
    reversed_entry = JournalEntry.objects.filter(reverses=OuterRef("journal_entry_id"))
    handled = (BankTransaction.Status.POSTED, BankTransaction.Status.MATCHED)
    counts["unposted"] = by_status.get(BankTransaction.Status.UNPOSTED, 0) + (
        BankTransaction.objects.filter(Exists(reversed_entry), status__in=handled).count()
    )
    counts["all"] = sum(by_status.values())
    return counts


def postable_accounts() -> QuerySet[Account]:
    """Accounts a bank line may be posted to: active, not the bank or a VAT control account."""
    from apps.ledger import chart

    return (
        Account.objects.filter(is_active=True, vat_control="")
        .exclude(code__in=[chart.BANK, chart.VAT_INPUT, chart.VAT_OUTPUT])
        .order_by("code")
    )


def match_candidates(lines) -> dict:
    """For each line (by id): up to five entries, not yet linked to a bank line and not reversed, that moved
    the bank by the line's amount within 30 days of it. Two queries for the whole page."""
    from datetime import timedelta

    from apps.ledger import chart

    lines = list(lines)
    if not lines:
        return {}
    window = timedelta(days=30)
    moved = (
        JournalLine.objects.filter(
            account__code=chart.BANK,
            entry__date__gte=min(ln.date for ln in lines) - window,
            entry__date__lte=max(ln.date for ln in lines) + window,
            entry__bank_lines__isnull=True,
            entry__reversals__isnull=True,
        )
        .exclude(entry__kind="reversal")
        .values("entry")
        .annotate(net=Sum("debit") - Sum("credit"))
    )
    by_amount: dict[Decimal, list[uuid.UUID]] = {}
    for row in moved:
        by_amount.setdefault(row["net"], []).append(row["entry"])
    wanted = {pk for ln in lines for pk in by_amount.get(ln.amount, [])}
    entries = JournalEntry.objects.filter(pk__in=wanted).order_by("date", "number")
    found: dict = {ln.pk: [] for ln in lines}
    for entry in entries:
        for ln in lines:
            close = abs(entry.date - ln.date) <= window
            if close and entry.pk in by_amount.get(ln.amount, []) and len(found[ln.pk]) < 5:
                found[ln.pk].append(entry)
    return found
