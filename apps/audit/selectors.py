"""Reading the audit log and verifying its chains.

On PostgreSQL a chain is readable only inside its own context (the audit RLS
policy), so every read here enters ``db_tenant(chain)``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from apps.audit.models import PLATFORM_CHAIN, ZERO_HASH, AuditEvent
from apps.audit.services import link_hash
from apps.core.db_tenant import db_tenant


@dataclass(frozen=True)
class ChainReport:
    chain: uuid.UUID
    events: int
    ok: bool
    broken_seq: int | None = None
    broken_event_id: uuid.UUID | None = None
    reason: str = ""

    def describe(self) -> str:
        name = "platform" if self.chain == PLATFORM_CHAIN else f"tenant {self.chain}"
        if self.ok:
            return f"chain {name}: {self.events} events, intact"
        return f"chain {name}: BROKEN at seq {self.broken_seq} (event {self.broken_event_id}): {self.reason}"


def verify_chain(chain: uuid.UUID) -> ChainReport:
    """Recompute every link in order; report the first one that does not hold."""
    expected_prev = ZERO_HASH
    expected_seq = 1
    count = 0
    with db_tenant(chain):
        rows = (
            AuditEvent.objects.filter(chain=chain).order_by("seq").values_list("id", "seq", "prev_hash", "hash", "body")
        )
        for event_id, seq, prev_hash, stored_hash, body in rows.iterator(chunk_size=2000):
            count += 1
            prev_hash, stored_hash = bytes(prev_hash), bytes(stored_hash)
            problem = ""
            if seq != expected_seq:
                problem = f"expected seq {expected_seq}, found {seq} (an event is missing or was inserted)"
            elif prev_hash != expected_prev:
                problem = "prev_hash does not match the previous event's hash (an earlier event was changed or removed)"
            elif link_hash(prev_hash, seq, body) != stored_hash:
                problem = "hash does not match the event's body (this event was altered)"
            if problem:
                return ChainReport(chain, count, False, seq, event_id, problem)
            expected_prev = stored_hash
            expected_seq = seq + 1
    return ChainReport(chain, count, True)


def recent_events(chain: uuid.UUID, limit: int = 100) -> list[AuditEvent]:
    """Newest first, each with ``summary``: the event in words for people."""
    from apps.audit.labels import describe

    with db_tenant(chain):
        events = list(AuditEvent.objects.filter(chain=chain).order_by("-seq")[:limit])
    for event in events:
        event.summary = describe(event)
    return events


@dataclass(frozen=True)
class EventFilter:
    """What a reader narrows a chain's log to; empty fields do not filter.

    ``actor`` matches the actor's id or part of their label (an email);
    ``action`` is a full action or its leading part ("ledger." or
    "ledger.entry"); ``target`` matches part of the target type or id;
    ``since`` is inclusive and ``until`` exclusive.
    """

    actor: str = ""
    action: str = ""
    target: str = ""
    since: datetime | None = None
    until: datetime | None = None

    def is_empty(self) -> bool:
        return not (self.actor or self.action or self.target or self.since or self.until)


@dataclass(frozen=True)
class EventPage:
    """One page of a chain's events, newest first, with the counts the page shows."""

    events: list[AuditEvent]
    number: int
    per_page: int
    matching: int  # events that match the filter
    total: int  # events in the chain

    @property
    def pages(self) -> int:
        return max(1, -(-self.matching // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def first_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.events else 0

    @property
    def last_index(self) -> int:
        return self.first_index + len(self.events) - 1 if self.events else 0


def _filtered(chain: uuid.UUID, filters: EventFilter) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.filter(chain=chain)
    if filters.actor:
        events = events.filter(Q(actor_id=filters.actor) | Q(actor_label__icontains=filters.actor))
    if filters.action:
        if filters.action.count(".") == 2:
            events = events.filter(action=filters.action)
        else:
            events = events.filter(action__startswith=filters.action.rstrip(".") + ".")
    if filters.target:
        events = events.filter(Q(target_type__icontains=filters.target) | Q(target_id__icontains=filters.target))
    if filters.since:
        events = events.filter(occurred_at__gte=filters.since)
    if filters.until:
        events = events.filter(occurred_at__lt=filters.until)
    return events


def search_events(chain: uuid.UUID, filters: EventFilter, *, page: int = 1, per_page: int = 50) -> EventPage:
    """A page of the chain's events matching ``filters``, newest first, each with its ``summary``.

    Read whole inside the chain's context (a lazy queryset would be read
    outside it, where RLS shows nothing). A page past the end is the last.
    """
    from apps.audit.labels import describe

    with db_tenant(chain):
        total = AuditEvent.objects.filter(chain=chain).count()
        matching_events = _filtered(chain, filters)
        matching = matching_events.count() if not filters.is_empty() else total
        pages = max(1, -(-matching // per_page))
        number = min(max(1, page), pages)
        offset = (number - 1) * per_page
        events = list(matching_events.order_by("-seq")[offset : offset + per_page])
    for event in events:
        event.summary = describe(event)
    return EventPage(events, number, per_page, matching, total)


def chain_actions(chain: uuid.UUID) -> list[str]:
    """The actions recorded in a chain, sorted (the choices of an action filter)."""
    with db_tenant(chain):
        return sorted(set(AuditEvent.objects.filter(chain=chain).values_list("action", flat=True).distinct()))
