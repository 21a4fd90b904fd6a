"""The VAT period's document blockers through period tokens (decision 0037), against the plain recomputation.

Generated businesses: documents in every state, dated across three years (some
undated, some with a date that is not one, some re-dated after upload), and
periods of every shape (a month, a quarter, a span across a year end, one day,
months that do not start on the 1st). The SQL-narrowed answer must be exactly
what opening every unresolved document and comparing its date gives.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from apps.documents.models import Document, DocumentState
from apps.documents.selectors import (
    undated_document_count,
    undated_documents,
    unresolved_document_count,
    unresolved_documents,
)
from tests.factories import DocumentFactory

pytestmark = pytest.mark.django_db

STATES = list(DocumentState.values)
UNRESOLVED = {DocumentState.NEEDS_REVIEW, DocumentState.FAILED, DocumentState.REVERSED}


def _reference_date(document: Document) -> date | None:
    """Independent of the code under test: read the sealed extraction and parse its date."""
    extraction = document.extraction
    if not isinstance(extraction, dict):
        return None
    value = (extraction.get("issue_date") or {}).get("value")
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def _extraction(rng: random.Random) -> dict | None:
    roll = rng.random()
    if roll < 0.08:
        return None
    if roll < 0.14:
        return {"supplier_name": {"value": "Harbour Coffee"}}  # read, but no date
    if roll < 0.17:
        return {"issue_date": {"value": rng.choice(["31/02/2025", "soon", ""])}}
    day = date(2023, 1, 1) + timedelta(days=rng.randrange(3 * 365))
    return {"issue_date": {"value": day.isoformat()}, "supplier_name": {"value": "Fictional Supplies Ltd"}}


def _business(rng: random.Random, n: int, tenant) -> list[Document]:
    docs = []
    for _ in range(n):
        doc = DocumentFactory(tenant=tenant, state=rng.choice(STATES))
        extraction = _extraction(rng)
        if extraction is not None:
            doc.extraction = extraction
            doc.save(update_fields=["extraction"])
        if rng.random() < 0.15:  # re-dated by a reviewer: the old month's token must go
            doc.extraction = _extraction(rng)
            doc.save(update_fields=["extraction"])
        docs.append(doc)
    return docs


def _periods(rng: random.Random) -> list[tuple[date, date]]:
    shapes = [(date(2024, 1, 1), date(2024, 3, 31)), (date(2024, 11, 1), date(2025, 1, 31)),
              (date(2023, 6, 15), date(2023, 6, 15)), (date(2022, 1, 1), date(2022, 12, 31)),
              (date(2025, 12, 1), date(2026, 2, 28)), (date(2024, 3, 1), date(2024, 2, 1))]  # fmt: skip
    for _ in range(12):
        start = date(2023, 1, 1) + timedelta(days=rng.randrange(3 * 365))
        shapes.append((start, start + timedelta(days=rng.choice([0, 6, 27, 30, 89, 91, 364]))))
    return shapes


@pytest.mark.parametrize("seed", [3, 18, 2026])
def test_blocking_documents_match_opening_every_one(tenant_a, in_tenant, seed):
    rng = random.Random(seed)
    with in_tenant(tenant_a):
        docs = _business(rng, 90, tenant_a)
        fresh = {d.pk: Document.objects.get(pk=d.pk) for d in docs}
        unresolved = [d for d in fresh.values() if d.state in UNRESOLVED]
        for start, end in _periods(rng):
            expected = {d.pk for d in unresolved if (day := _reference_date(d)) and start <= day <= end}
            got = [d.pk for d in unresolved_documents(start=start, end=end)]
            assert len(got) == len(set(got)) and set(got) == expected, (start, end)
            # The blockers' count: whole months by their tokens in SQL, only cut months opened.
            assert unresolved_document_count(start=start, end=end) == len(expected), (start, end)
        expected_undated = {d.pk for d in unresolved if _reference_date(d) is None}
        assert {d.pk for d in undated_documents()} == expected_undated
        assert undated_document_count() == len(expected_undated)


def test_a_period_of_whole_months_is_counted_without_opening_a_document(tenant_a, in_tenant, monkeypatch):
    from apps.documents import selectors

    with in_tenant(tenant_a):
        for day in ("2024-01-01", "2024-02-29", "2024-03-31", "2024-04-01", "2023-12-31"):
            _dated(tenant_a, day)
        opened = []
        monkeypatch.setattr(selectors, "_issue_date", lambda d: opened.append(d) or _reference_date(d))
        assert unresolved_document_count(start=date(2024, 1, 1), end=date(2024, 3, 31)) == 3
        assert opened == []
        # A period that cuts a month opens that month's documents only.
        assert unresolved_document_count(start=date(2024, 1, 1), end=date(2024, 3, 30)) == 2
        assert len(opened) == 1


def test_another_business_s_tokens_never_count(tenant_a, tenant_b, in_tenant):
    with in_tenant(tenant_b):
        other = DocumentFactory(tenant=tenant_b, state=DocumentState.NEEDS_REVIEW)
        other.extraction = {"issue_date": {"value": "2024-02-10"}}
        other.save(update_fields=["extraction"])
    with in_tenant(tenant_a):
        mine = DocumentFactory(tenant=tenant_a, state=DocumentState.NEEDS_REVIEW)
        mine.extraction = {"issue_date": {"value": "2024-02-11"}}
        mine.save(update_fields=["extraction"])
        assert [d.pk for d in unresolved_documents(start=date(2024, 2, 1), end=date(2024, 2, 29))] == [mine.pk]


def _dated(tenant, day: str) -> None:
    doc = DocumentFactory(tenant=tenant, state=DocumentState.NEEDS_REVIEW)
    doc.extraction = {"issue_date": {"value": day}}
    doc.save(update_fields=["extraction"])


def _count(fn) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        found = fn()
        for document in found:
            assert document.extraction is not None  # each document of the period is opened
    return len(ctx)


def test_the_query_count_does_not_grow_with_the_documents_outside_the_period(tenant_a, in_tenant):
    period = {"start": date(2023, 4, 1), "end": date(2023, 6, 30)}
    with in_tenant(tenant_a):
        for month in (4, 5, 6):
            _dated(tenant_a, f"2023-{month:02d}-10")
        _dated(tenant_a, "2022-04-10")
        before = _count(lambda: unresolved_documents(**period))
        for year in (2020, 2021, 2022, 2024):
            for month in range(1, 13):
                _dated(tenant_a, f"{year}-{month:02d}-10")
        assert len(unresolved_documents(**period)) == 3
        assert _count(lambda: unresolved_documents(**period)) == before
