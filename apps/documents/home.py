"""The documents' to-dos for the home page and the portfolio: documents to review and failed ones (decision 0042)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from django.db import connection
from django.db.models import Count
from django.urls import reverse

from apps.core.definer import call_member_function
from apps.documents.models import Document, DocumentState
from apps.portal.todos import Business, Cell, Column, Todo, TodoSource
from apps.tenancy.context import tenant_context

FUNCTION = "strongroom_portfolio_documents"
# Per business: two counts of one state each, read from document_list_state_idx (tenant, state, ...).
FUNCTION_RETURNS = "tenant_id uuid, needs_review bigint, failed bigint"
FUNCTION_BODY = (
    "SELECT t, count(*) FILTER (WHERE d.state = 'needs_review'), count(*) FILTER (WHERE d.state = 'failed') "
    "FROM documents_document d WHERE d.tenant_id = t AND d.state IN ('needs_review', 'failed')"
)
WATCHED = (DocumentState.NEEDS_REVIEW, DocumentState.FAILED)


def _list_url(slug: str, state: str) -> str:
    return f"{reverse('documents:list', args=[slug])}?state={state}"


def todo_counts() -> dict[str, int]:
    """Documents waiting for review and failed ones in the current business: one grouped, index-only count."""
    found = dict(Document.objects.filter(state__in=WATCHED).values_list("state").annotate(n=Count("pk")).order_by())
    return {str(state): found.get(state, 0) for state in WATCHED}


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def todos(business: Business) -> list[Todo]:
    counts = todo_counts()
    review, failed = counts[DocumentState.NEEDS_REVIEW], counts[DocumentState.FAILED]
    return [
        Todo("documents.review", f"{_plural(review, 'document')} to review",
             _list_url(business.slug, DocumentState.NEEDS_REVIEW), count=review, needs_action=review > 0,
             level="warning" if review else "info"),
        Todo("documents.failed", f"{_plural(failed, 'document')} could not be read",
             _list_url(business.slug, DocumentState.FAILED), count=failed, needs_action=failed > 0,
             level="danger" if failed else "info", detail="Retry, correct or archive each one."),
    ]  # fmt: skip


def _counts_by_business(user, businesses: Sequence[Business]) -> dict[uuid.UUID, tuple[int, int]]:
    if connection.vendor == "postgresql":
        rows = call_member_function(FUNCTION, user.pk, [b.id for b in businesses])
        return {tenant_id: (review, failed) for tenant_id, review, failed in rows}
    found = {}
    for business in businesses:  # the embedded demo (SQLite): no row-level security to step around
        with tenant_context(business.id):
            counts = todo_counts()
        found[business.id] = (counts[DocumentState.NEEDS_REVIEW], counts[DocumentState.FAILED])
    return found


def portfolio(user, businesses: Sequence[Business]) -> dict[uuid.UUID, dict[str, Cell]]:
    by_slug = {b.id: b.slug for b in businesses}
    cells = {}
    for business_id, (review, failed) in _counts_by_business(user, businesses).items():
        slug = by_slug[business_id]
        cells[business_id] = {
            "documents.failed": Cell(f"{failed:,}", _list_url(slug, DocumentState.FAILED), risk=failed,
                                     level="danger" if failed else ""),
            "documents.review": Cell(f"{review:,}", _list_url(slug, DocumentState.NEEDS_REVIEW), risk=review,
                                     level="warning" if review else ""),
        }  # fmt: skip
    return cells


SOURCE = TodoSource(
    key="documents",
    order=10,
    columns=(Column("documents.review", "To review", risk_rank=40), Column("documents.failed", "Failed", risk_rank=30)),
    todos=todos,
    portfolio=portfolio,
)
