"""Read queries for documents (inside a tenant context)."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, QuerySet

from apps.documents.models import Document, DocumentState, TaskRun


def document_list(*, state: str = "", limit: int = 200) -> list[Document]:
    documents: QuerySet[Document] = Document.objects.select_related("duplicate_of", "uploaded_by")
    if state:
        documents = documents.filter(state=state)
    return list(documents.order_by("-uploaded_at")[:limit])


def state_counts() -> dict[str, int]:
    counts = dict(Document.objects.values_list("state").annotate(n=Count("pk")).values_list("state", "n"))
    return {value: counts.get(value, 0) for value in DocumentState.values}


def document_runs(document: Document) -> list[TaskRun]:
    return list(TaskRun.objects.filter(document=document).order_by("queued_at", "attempt"))


def possible_duplicates(document: Document) -> list[Document]:
    """Other documents with the same supplier VAT number and invoice number: the same bill twice?"""
    data = document.extraction or {}
    vat_number = (data.get("supplier_vat_number") or {}).get("value")
    number = (data.get("document_number") or {}).get("value")
    if not (vat_number and number):
        return []
    return list(
        Document.objects.exclude(pk=document.pk)
        .exclude(state=DocumentState.DUPLICATE)
        .filter(extraction__supplier_vat_number__value=vat_number, extraction__document_number__value=number)[:5]
    )


def latest_reconciliation():
    """The last reconciliation report (platform-wide, ids and counts only), or None."""
    from apps.documents.models import ReconciliationReport

    return ReconciliationReport.objects.order_by("-started_at").first()


def unresolved_documents(*, start: date, end: date) -> list[Document]:
    """Documents still needing review or failed whose date is in [start, end], or is not known.

    A document without a readable date may belong to any period, so it
    blocks every return until someone looks at it. The date lives in the
    extraction JSON, so the (small) set of unresolved documents is filtered here.
    """
    found = []
    candidates = Document.objects.filter(state__in=(DocumentState.NEEDS_REVIEW, DocumentState.FAILED))
    for document in candidates.order_by("uploaded_at"):
        issued = _issue_date(document)
        if issued is None or start <= issued <= end:
            found.append(document)
    return found


def _issue_date(document: Document) -> date | None:
    value = ((document.extraction or {}).get("issue_date") or {}).get("value")
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None
