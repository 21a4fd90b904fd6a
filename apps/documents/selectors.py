"""Read queries for documents (inside a tenant context)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from datetime import date

from django.db.models import Count, QuerySet

from apps.documents.extraction.vatnumber import normalise_vat_number
from apps.documents.models import Document, DocumentState, KnownSupplier, TaskRun, known_supplier_index
from apps.documents.sealing import duplicate_index_of, duplicate_values
from apps.ledger.models import VAT_INDEX, Rule, rule_index
from apps.ledger.rules_engine import compact_vat_number
from apps.tenancy.context import tenant_context


def document_list(*, state: str = "", blocking: tuple[date, date] | None = None, limit: int = 200) -> list[Document]:
    """The documents list, by state, or exactly the documents blocking the return of [start, end]."""
    if blocking is not None:
        return unresolved_documents(start=blocking[0], end=blocking[1])[:limit]
    documents: QuerySet[Document] = Document.objects.select_related("duplicate_of", "uploaded_by")
    if state:
        documents = documents.filter(state=state)
    return list(documents.order_by("-uploaded_at")[:limit])


def state_counts() -> dict[str, int]:
    counts = dict(Document.objects.values_list("state").annotate(n=Count("pk")).values_list("state", "n"))
    return {value: counts.get(value, 0) for value in DocumentState.values}


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


def unresolved_documents(*, start: date, end: date) -> list[Document]:
    """Documents needing review, failed or reversed-not-reposted whose date is in [start, end].

    A document without a readable date blocks no period (it would block every
    one): it is listed by ``undated_documents`` instead, asking for its date.
    The date lives in the extraction JSON, so the (small) set is filtered here.
    """
    candidates = Document.objects.filter(state__in=UNRESOLVED).select_related("duplicate_of", "uploaded_by")
    return [d for d in candidates.order_by("uploaded_at") if (issued := _issue_date(d)) and start <= issued <= end]


def undated_documents() -> list[Document]:
    """Unresolved documents whose date is not known: a to-do ("add the document's date"), not a blocker."""
    candidates = Document.objects.filter(state__in=UNRESOLVED).select_related("duplicate_of", "uploaded_by")
    return [d for d in candidates.order_by("uploaded_at") if _issue_date(d) is None]


def issue_date_of(document: Document) -> date | None:
    """The document's own date as read or corrected, or None when it is not known."""
    return _issue_date(document)


def _issue_date(document: Document) -> date | None:
    value = ((document.extraction or {}).get("issue_date") or {}).get("value")
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


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
