"""Read queries for documents (inside a tenant context)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from apps.core.pagination import KeysetPage, keyset_page
from apps.documents.extraction.vatnumber import normalise_vat_number
from apps.documents.models import (
    Document,
    DocumentSearchToken,
    DocumentState,
    KnownSupplier,
    TaskRun,
    known_supplier_index,
)
from apps.documents.sealing import duplicate_index_of, duplicate_values
from apps.documents.search import (
    amount_token,
    dated_token,
    issue_date,
    month_tokens,
    month_tokens_split,
    query_tokens,
)
from apps.ledger.models import VAT_INDEX, Rule, rule_index
from apps.ledger.rules_engine import compact_vat_number
from apps.tenancy.context import current_tenant_id, tenant_context

# The list's order and keyset (index ``document_list_idx`` / ``document_list_state_idx``).
LIST_ORDER = ("-uploaded_at", "-id")
# What the list shows: never the page text (large, sealed) nor the classification (decision 0035).
LIST_COLUMNS = ("tenant", "original_filename", "pages", "state", "uploaded_at", "failure_reason", "set_aside_reason",
                "extraction", "duplicate_of__tenant", "duplicate_of__original_filename")  # fmt: skip
LIST_PAGE_SIZE = 50


@dataclass(frozen=True)
class DocumentFilters:
    """The documents list's filters; every one optional. Dates are upload dates (the document's own date is sealed)."""

    state: str = ""
    uploaded_from: date | None = None
    uploaded_to: date | None = None
    query: str = ""  # supplier name words, document number or supplier VAT number (blind-indexed)
    supplier: str = ""  # words of the supplier's name (the same tokens: whole words, every one)
    number: str = ""  # the document number, whole
    amount: Decimal | None = None  # the total, exactly (a blind index gives equality only)

    @property
    def any(self) -> bool:
        return bool(self.state or self.query or self.supplier or self.number or self.amount is not None
                    or self.uploaded_from or self.uploaded_to)  # fmt: skip


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _has_token(token: bytes) -> Q:
    return Q(pk__in=DocumentSearchToken.objects.filter(token=token).values("document"))


def search_condition(tenant_id: uuid.UUID, query: str) -> Q | None:
    """Documents holding every typed word's token (or the whole query's): SQL on blind indexes, nothing decrypted."""
    words, phrase = query_tokens(tenant_id, query)
    if not words:
        return None
    condition = Q()
    for token in words:
        condition &= _has_token(token)
    return condition | _has_token(phrase) if phrase is not None else condition


def filtered_documents(
    tenant_id: uuid.UUID, filters: DocumentFilters, *, columns: Sequence[str] = LIST_COLUMNS
) -> QuerySet[Document]:
    """The list's rows under ``filters``, only the ``columns`` it shows (the duplicate's name with the page's)."""
    documents = Document.objects.only(*columns)
    if any(c.startswith("duplicate_of__") for c in columns):
        documents = documents.select_related("duplicate_of")
    if filters.state:
        documents = documents.filter(state=filters.state)
    if filters.uploaded_from:
        documents = documents.filter(uploaded_at__gte=_day_start(filters.uploaded_from))
    if filters.uploaded_to:
        documents = documents.filter(uploaded_at__lt=_day_start(filters.uploaded_to + timedelta(days=1)))
    for text in (filters.query, filters.supplier, filters.number):
        if text and (condition := search_condition(tenant_id, text)) is not None:
            documents = documents.filter(condition)
        elif text:
            documents = documents.none()  # only punctuation typed: nothing can match
    if filters.amount is not None:
        token = amount_token(tenant_id, filters.amount)
        documents = documents.filter(_has_token(token)) if token else documents.none()
    return documents


MATCH_COUNT_LIMIT = 1000


def match_count(tenant_id: uuid.UUID, filters: DocumentFilters, *, limit: int = MATCH_COUNT_LIMIT) -> tuple[int, bool]:
    """(how many documents match, whether there are more than ``limit``): a count that stops at ``limit + 1``.

    Counting every match of a broad filter in a big business is what keyset pages avoid (decision 0035);
    an exact figure up to ``limit`` then "1,000+" costs at most ``limit + 1`` index entries.
    """
    matches = filtered_documents(tenant_id, filters, columns=("id",)).order_by().values("pk")[: limit + 1]
    found = matches.count()
    return min(found, limit), found > limit


def document_page(
    tenant_id: uuid.UUID,
    filters: DocumentFilters,
    *,
    cursor: str | None = None,
    size: int = LIST_PAGE_SIZE,
    columns: Sequence[str] = LIST_COLUMNS,
) -> KeysetPage:
    """One keyset page of the documents list, newest first; a bad cursor raises InvalidCursor (400)."""
    documents = filtered_documents(tenant_id, filters, columns=columns)
    return keyset_page(documents, order=LIST_ORDER, cursor=cursor, size=size, salt="documents.list")


def document_list(*, state: str = "", blocking: tuple[date, date] | None = None, limit: int = 200) -> list[Document]:
    """The newest ``limit`` documents, by state, or exactly the documents blocking the return of [start, end]."""
    if blocking is not None:
        return unresolved_documents(start=blocking[0], end=blocking[1])[:limit]
    documents: QuerySet[Document] = Document.objects.select_related("duplicate_of").only(*LIST_COLUMNS)
    if state:
        documents = documents.filter(state=state)
    return list(documents.order_by(*LIST_ORDER)[:limit])


def needs_review_count() -> int:
    """How many wait for review (the list's banner): an index-only count of one state, not a count of every state."""
    return Document.objects.filter(state=DocumentState.NEEDS_REVIEW).count()


def document_runs(document: Document) -> list[TaskRun]:
    return list(TaskRun.objects.filter(document=document).order_by("queued_at", "attempt"))


def possible_duplicates(document: Document, limit: int = 5) -> list[Document]:
    """Other documents with the same supplier VAT number and invoice number: the same bill twice?

    The extraction is encrypted, so SQL finds candidates by the blind index of
    the pair and each is confirmed here on the exact values (the index is
    normalised, so it may match a little more).
    """
    wanted = duplicate_values(document.extraction)
    index = duplicate_index_of(document.tenant_id, document.extraction)
    if wanted is None or index is None:
        return []
    candidates = (
        Document.objects.exclude(pk=document.pk)
        .exclude(state=DocumentState.DUPLICATE)
        .filter(duplicate_index=index)
        .order_by("-uploaded_at")
    )
    return [d for d in candidates[: limit * 4] if duplicate_values(d.extraction) == wanted][:limit]


def latest_reconciliation():
    """The last reconciliation report (platform-wide, ids and counts only), or None."""
    from apps.documents.models import ReconciliationReport

    return ReconciliationReport.objects.order_by("-started_at").first()


# What still needs a person before the documents can count in a return. Rejected and
# archived documents were set aside on purpose, with a reason: they block nothing.
UNRESOLVED = (DocumentState.NEEDS_REVIEW, DocumentState.FAILED, DocumentState.REVERSED)


def _holding(token_values: list[bytes]) -> Exists:
    return Exists(DocumentSearchToken.objects.filter(document=OuterRef("pk"), token__in=token_values))


def unresolved_documents(*, start: date, end: date) -> list[Document]:
    """Documents needing review, failed or reversed-not-reposted whose date is in [start, end].

    A document without a readable date blocks no period (it would block every
    one): it is listed by ``undated_documents`` instead, asking for its date.
    The date is sealed in the extraction, so SQL narrows to the period's months
    by their blind-index tokens (decision 0037) and only those are opened to
    compare the day: the cost follows the period, not the business's history.
    """
    if start > end:
        return []
    months = month_tokens(current_tenant_id(), start, end)
    candidates = (
        Document.objects.filter(_holding(months), state__in=UNRESOLVED)
        .select_related("duplicate_of", "uploaded_by")
        .order_by("uploaded_at")
    )
    return [d for d in candidates if (issued := _issue_date(d)) and start <= issued <= end]


def unresolved_document_count(*, start: date, end: date) -> int:
    """How many ``unresolved_documents(start=start, end=end)`` returns, opening only the partly covered months'.

    A blocker needs the number, not the documents: the months wholly inside the period are counted in SQL
    by their tokens, and only documents of a month the period cuts are opened to compare the day.
    """
    if start > end:
        return 0
    whole, partial = month_tokens_split(current_tenant_id(), start, end)
    found = Document.objects.filter(_holding(whole), state__in=UNRESOLVED).count() if whole else 0
    if partial:
        cut = Document.objects.filter(_holding(partial), state__in=UNRESOLVED).only("id", "tenant", "extraction")
        found += sum(1 for d in cut if (issued := _issue_date(d)) and start <= issued <= end)
    return found


def undated_document_count() -> int:
    return Document.objects.filter(~_holding([dated_token(current_tenant_id())]), state__in=UNRESOLVED).count()


def undated_documents() -> list[Document]:
    """Unresolved documents whose date is not known: a to-do ("add the document's date"), not a blocker.

    Those without the "dated" period token, in SQL: no extraction is opened (decision 0037).
    """
    dated = dated_token(current_tenant_id())
    return list(
        Document.objects.filter(~_holding([dated]), state__in=UNRESOLVED)
        .select_related("duplicate_of", "uploaded_by")
        .order_by("uploaded_at")
    )


def issue_date_of(document: Document) -> date | None:
    """The document's own date as read or corrected, or None when it is not known."""
    return _issue_date(document)


def _issue_date(document: Document) -> date | None:
    return issue_date(document.extraction)


class KnownSuppliers(Mapping[str, str]):
    """Compact VAT number -> the supplier's name on the business's record, looked up one number at a time.

    Why a lazy mapping and not a dict of every supplier: extraction asks for one or two numbers per
    document, and each record is sealed, so loading (and decrypting) a business's whole supplier list
    for every document would grow with the business. Each lookup is one indexed query (blind index) in
    the tenant's context, so another tenant's record can never answer: the index key is per tenant and
    row-level security scopes the query. Sources, first match wins: the names recorded from posted and
    reviewed documents (``KnownSupplier``), then a tenant rule that names both a VAT number and a supplier.
    """

    def __init__(self, tenant_id: uuid.UUID) -> None:
        self.tenant_id = tenant_id
        self._cache: dict[str, str | None] = {}

    def __getitem__(self, vat_number: str) -> str:
        name = self._lookup(vat_number)
        if name is None:
            raise KeyError(vat_number)
        return name

    def _lookup(self, vat_number: str) -> str | None:
        compact = normalise_vat_number(vat_number or "")
        if not compact:
            return None
        if compact not in self._cache:
            self._cache[compact] = known_supplier_name(self.tenant_id, compact)
        return self._cache[compact]

    def __iter__(self) -> Iterator[str]:
        with tenant_context(self.tenant_id):
            numbers = [s.vat_number for s in KnownSupplier.objects.only("vat_number")]
        return iter(numbers)

    def __len__(self) -> int:
        with tenant_context(self.tenant_id):
            return KnownSupplier.objects.count()


def known_supplier_name(tenant_id: uuid.UUID, number: str) -> str | None:
    """The name on record for a supplier's (valid, compact) VAT number in this tenant, or None."""
    with tenant_context(tenant_id):
        known = KnownSupplier.objects.filter(vat_index=known_supplier_index(tenant_id, number)).first()
        if known is not None and known.vat_number == number:  # a blind index may collide: confirm
            return known.name
        rules = Rule.objects.filter(supplier_vat_index=rule_index(tenant_id, number, VAT_INDEX), is_active=True)
        for rule in rules.order_by("priority", "created_at"):
            if rule.supplier_exact.strip() and compact_vat_number(rule.supplier_vat_number) == number:
                return rule.supplier_exact.strip()
    return None
