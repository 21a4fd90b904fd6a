"""The journal and bank-line lists: keyset pages with filters, in constant queries (decision 0035).

Why apart from ``selectors``: these are the long lists (every entry and bank line a
business ever had), paged by keyset (``apps.core.pagination``) so page 500 costs what
page 1 does, with no ``COUNT(*)``. Each list orders by columns a tenant-leading index
holds (``ledger_entry_list_idx``, ``ledger_bank_list_idx``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, Sum

from apps.core.pagination import KeysetPage, keyset_page
from apps.ledger.models import Account, BankTransaction, JournalEntry, JournalLine, JournalSearchToken
from apps.ledger.search import query_tokens
from apps.ledger.selectors import _needs_posting
from apps.tenancy.context import current_tenant_id

JOURNAL_ORDER = ("-date", "-number", "-id")
BANK_ORDER = ("-date", "feed_account_id", "-external_id", "-id")
# The journal shows number, date, kind, description and total: never the explanation (sealed, long).
JOURNAL_COLUMNS = ("tenant", "number", "date", "kind", "description")


@dataclass(frozen=True)
class JournalFilters:
    date_from: date | None = None
    date_to: date | None = None
    account_code: str = ""
    kind: str = ""
    amount_min: Decimal | None = None  # entries with a line (debit or credit) in [min, max]
    amount_max: Decimal | None = None
    text: str = ""  # words of the narration, every one (blind-indexed: whole words; issue #13)
    reference: str = ""  # the journal's number, or one whole word of its narration (an invoice number)

    @property
    def any(self) -> bool:
        return any(v not in (None, "") for v in self.__dict__.values())


def _has_token(token: bytes) -> Q:
    return Q(pk__in=JournalSearchToken.objects.filter(token=token).values("entry"))


def _has_every_token(tokens: list[bytes]) -> Q:
    """Entries holding every token: one grouped scan of the tokens' index ranges, not one semi-join per word.

    One ``IN`` per word let the planner nest the semi-joins when it thought the token table small (a fresh table,
    not yet analysed): 2,000 entries sharing two words took 1.2-2 s. Grouping costs one range scan per word.
    """
    wanted = list(dict.fromkeys(tokens))
    entries = (
        JournalSearchToken.objects.filter(token__in=wanted)
        .values("entry")
        .annotate(found=Count("token", distinct=True))
        .filter(found=len(wanted))
        .values("entry")
    )
    return Q(pk__in=entries)


def filtered_entries(filters: JournalFilters):
    """The journal's entries under ``filters`` (inside the tenant's context), unordered."""
    entries = JournalEntry.objects.only(*JOURNAL_COLUMNS)
    tenant_id = current_tenant_id()
    if filters.text:
        words = query_tokens(tenant_id, filters.text)
        entries = entries.filter(_has_every_token(words)) if words else entries.none()  # none: only punctuation
    if filters.reference:
        words = query_tokens(tenant_id, filters.reference)
        reference = Q(_has_token(words[0])) if len(words) == 1 else Q(pk__in=[])
        if filters.reference.isdigit() and len(filters.reference) < 10:
            reference |= Q(number=int(filters.reference))
        entries = entries.filter(reference)
    if filters.date_from:
        entries = entries.filter(date__gte=filters.date_from)
    if filters.date_to:
        entries = entries.filter(date__lte=filters.date_to)
    if filters.kind:
        entries = entries.filter(kind=filters.kind)
    lines = JournalLine.objects.all()
    if filters.account_code:
        # The account's id first, not a join on its code: the planner then reads how many lines the account has
        # from the column's statistics (a join on the code estimated 163 of 20,000 and hashed them all: 203 ms;
        # by id it walks ledger_entry_list_idx and stops at the page: 0.4 ms; decision 0035).
        account_id = Account.objects.filter(code=filters.account_code).values_list("pk", flat=True).first()
        lines = lines.filter(account_id=account_id) if account_id else lines.none()
    if filters.amount_min is not None:
        lines = lines.filter(Q(debit__gte=filters.amount_min) | Q(credit__gte=filters.amount_min))
    if filters.amount_max is not None:
        lines = lines.filter(
            Q(debit__gt=0, debit__lte=filters.amount_max) | Q(credit__gt=0, credit__lte=filters.amount_max)
        )
    if filters.account_code or filters.amount_min is not None or filters.amount_max is not None:
        entries = entries.filter(pk__in=lines.values("entry"))
    return entries


MATCH_COUNT_LIMIT = 1000


def journal_match_count(filters: JournalFilters, *, limit: int = MATCH_COUNT_LIMIT) -> tuple[int, bool]:
    """(matching entries up to ``limit``, whether there are more): a count that stops at ``limit + 1`` rows."""
    found = filtered_entries(filters).order_by().values("pk")[: limit + 1].count()
    return min(found, limit), found > limit


def journal_page(filters: JournalFilters, *, cursor: str | None, size: int) -> KeysetPage:
    """A page of entries, newest first, each with ``total`` (its debits): two queries whatever the page."""
    entries = filtered_entries(filters)
    page = keyset_page(entries, order=JOURNAL_ORDER, cursor=cursor, size=size, salt="ledger.journal")
    totals = dict(
        JournalLine.objects.filter(entry__in=[e.pk for e in page.items])
        .values_list("entry")
        .annotate(total=Sum("debit"))
        .values_list("entry", "total")
        .order_by()
    )
    for entry in page.items:
        entry.total = totals.get(entry.pk, Decimal("0.00"))
    return page


@dataclass(frozen=True)
class BankFilters:
    status: str = "unposted"
    date_from: date | None = None
    date_to: date | None = None
    feed_account: str = ""
    amount_min: Decimal | None = None  # signed: money in is positive
    amount_max: Decimal | None = None


def bank_page(filters: BankFilters, *, cursor: str | None, size: int) -> KeysetPage:
    """A page of bank lines, newest first, with the entry each became (one query; match candidates are apart)."""
    lines = BankTransaction.objects.select_related("journal_entry", "handled_by", "rule")
    if filters.status == "unposted":
        lines = lines.filter(_needs_posting())
    elif filters.status != "all":
        lines = lines.filter(status=filters.status)
    if filters.date_from:
        lines = lines.filter(date__gte=filters.date_from)
    if filters.date_to:
        lines = lines.filter(date__lte=filters.date_to)
    if filters.feed_account:
        lines = lines.filter(feed_account_id=filters.feed_account)
    if filters.amount_min is not None:
        lines = lines.filter(amount__gte=filters.amount_min)
    if filters.amount_max is not None:
        lines = lines.filter(amount__lte=filters.amount_max)
    return keyset_page(lines, order=BANK_ORDER, cursor=cursor, size=size, salt="ledger.bank")
