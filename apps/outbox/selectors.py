"""Reads of the outbox: what is waiting for a task, and the staff console's and the metrics' views of it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import Count, Min, QuerySet
from django.utils import timezone

from apps.outbox.models import ACTIVE_STATES, OutboxItem, OutboxState


def has_active(task_name: str, **kwargs_match: str) -> bool:
    """True when an effect of ``task_name`` with these kwargs is still to happen (pending to parked)."""
    filters = {f"kwargs__{name}": value for name, value in kwargs_match.items()}
    return OutboxItem.objects.filter(task_name=task_name, state__in=ACTIVE_STATES, **filters).exists()


def active_tenant_ids(task_name: str) -> set[uuid.UUID]:
    """Businesses with an effect of ``task_name`` still to happen: a scheduled fan-out skips them."""
    rows = OutboxItem.objects.filter(task_name=task_name, state__in=ACTIVE_STATES, tenant_id__isnull=False)
    return set(rows.values_list("tenant_id", flat=True))


@dataclass(frozen=True)
class StateSummary:
    state: str
    label: str
    count: int
    oldest_age_seconds: float


def summary() -> list[StateSummary]:
    """Rows per state with the age of the oldest (created_at), every state listed."""
    now = timezone.now()
    rows = {r["state"]: r for r in OutboxItem.objects.values("state").annotate(n=Count("pk"), oldest=Min("created_at"))}
    result = []
    for state, label in OutboxState.choices:
        row = rows.get(state)
        age = (now - row["oldest"]).total_seconds() if row and row["oldest"] else 0.0
        result.append(StateSummary(state, label, row["n"] if row else 0, max(0.0, age)))
    return result


def items(state: str | None = None) -> QuerySet[OutboxItem]:
    """The staff console's list: the oldest first for active states, the newest first for finished ones."""
    rows = OutboxItem.objects.all()
    if state:
        rows = rows.filter(state=state)
    finished = state in (OutboxState.DONE, OutboxState.DEAD)
    return rows.order_by("-updated_at" if finished else "created_at")
