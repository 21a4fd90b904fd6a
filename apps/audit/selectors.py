"""Reading the audit log and verifying its chains.

On PostgreSQL a chain is readable only inside its own context (the audit RLS
policy), so every read here enters ``db_tenant(chain)``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import Max, Q, QuerySet

from apps.audit.models import PLATFORM_CHAIN, ZERO_HASH, AuditEvent, ChainCheckpoint
from apps.audit.services import link_hash
from apps.core.db_tenant import db_tenant
from apps.core.pagination import KeysetPage, keyset_page


@dataclass(frozen=True)
class ChainReport:
    chain: uuid.UUID
    events: int  # events read by this verification
    ok: bool
    broken_seq: int | None = None
    broken_event_id: uuid.UUID | None = None
    reason: str = ""
    # The last link that held (the checkpoint a verification leaves): its sequence number and hash.
    through_seq: int = 0
    through_hash: bytes = ZERO_HASH
    full: bool = True  # started at the chain's first event (else at a checkpoint)

    def describe(self) -> str:
        name = "platform" if self.chain == PLATFORM_CHAIN else f"tenant {self.chain}"
        if self.ok:
            return f"chain {name}: {self.events} events, intact"
        return f"chain {name}: BROKEN at seq {self.broken_seq} (event {self.broken_event_id}): {self.reason}"


def verify_chain(chain: uuid.UUID) -> ChainReport:
    """Recompute every link in order from the first event; report the first one that does not hold."""
    return verify_since(chain, 0, ZERO_HASH)


def verify_since(chain: uuid.UUID, seq: int, hash_at_seq: bytes) -> ChainReport:
    """Verify the links after a checkpoint (``seq`` 0: the whole chain; decision 0037).

    The checkpoint is re-checked first: the event at ``seq`` must still be
    there, store ``hash_at_seq`` and hash to it from its own body and
    ``prev_hash``. That catches that event being changed; an event before it
    being changed is what the full verification (``seq`` 0) is for.
    """
    expected_prev, expected_seq, count = ZERO_HASH, 1, 0
    with db_tenant(chain):
        events = AuditEvent.objects.filter(chain=chain)
        if seq > 0:
            anchor = events.filter(seq=seq).values_list("id", "prev_hash", "hash", "body").first()
            count = 1
            if anchor is None:
                reason = f"the checkpoint's event #{seq} is missing"
                return ChainReport(chain, count, False, seq, None, reason, 0, ZERO_HASH, False)
            anchor_id, prev_hash, stored, body = anchor
            if bytes(stored) != hash_at_seq or link_hash(bytes(prev_hash), seq, body) != hash_at_seq:
                reason = "the checkpoint's event no longer hashes to the checkpoint (it was altered)"
                return ChainReport(chain, count, False, seq, anchor_id, reason, 0, ZERO_HASH, False)
            expected_prev, expected_seq = hash_at_seq, seq + 1
        rows = events.filter(seq__gt=seq).order_by("seq").values_list("id", "seq", "prev_hash", "hash", "body")
        for event_id, event_seq, prev_hash, stored_hash, body in rows.iterator(chunk_size=2000):
            count += 1
            prev_hash, stored_hash = bytes(prev_hash), bytes(stored_hash)
            problem = ""
            if event_seq != expected_seq:
                problem = f"expected seq {expected_seq}, found {event_seq} (an event is missing or was inserted)"
            elif prev_hash != expected_prev:
                problem = "prev_hash does not match the previous event's hash (an earlier event was changed or removed)"
            elif link_hash(prev_hash, event_seq, body) != stored_hash:
                problem = "hash does not match the event's body (this event was altered)"
            if problem:
                return ChainReport(
                    chain, count, False, event_seq, event_id, problem, expected_seq - 1, expected_prev, seq == 0
                )
            expected_prev = stored_hash
            expected_seq = event_seq + 1
    return ChainReport(chain, count, True, through_seq=expected_seq - 1, through_hash=expected_prev, full=seq == 0)


def chain_head(chain: uuid.UUID) -> int:
    """The chain's last sequence number (0 when empty): one read of the (chain, seq) index's end."""
    with db_tenant(chain):
        last = AuditEvent.objects.filter(chain=chain).order_by("-seq").values_list("seq", flat=True).first()
    return last or 0


def chain_heads() -> dict[uuid.UUID, int]:
    """Every chain's last sequence number, in one query (PostgreSQL: ``audit_chain_heads()``, migration 0003).

    The events themselves stay behind each chain's RLS context; the function
    returns only positions. Elsewhere (SQLite, no RLS) a grouped maximum.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT chain, seq FROM audit_chain_heads()")
            return {uuid.UUID(str(chain)): seq for chain, seq in cursor.fetchall()}
    rows = AuditEvent.objects.values("chain").annotate(last=Max("seq")).order_by().values_list("chain", "last")
    return {chain: last for chain, last in rows}


def checkpoint(chain: uuid.UUID) -> ChainCheckpoint | None:
    return ChainCheckpoint.objects.filter(chain=chain).first()


def checkpoints() -> dict[uuid.UUID, ChainCheckpoint]:
    return {c.chain: c for c in ChainCheckpoint.objects.all()}


@dataclass(frozen=True)
class ChainStatus:
    """What a page says about a chain: the stored verification, its age and the events it has not read yet."""

    chain: uuid.UUID
    checkpoint: ChainCheckpoint | None
    head: int

    @property
    def verified(self) -> bool:
        return self.checkpoint is not None

    @property
    def ok(self) -> bool:
        return self.checkpoint is None or self.checkpoint.ok

    @property
    def through(self) -> int:
        return self.checkpoint.seq if self.checkpoint else 0

    @property
    def pending(self) -> int:
        """Events appended since the last verification (not yet verified)."""
        return max(0, self.head - self.through)

    @property
    def verified_at(self) -> datetime | None:
        return self.checkpoint.verified_at if self.checkpoint else None


def chain_status(chain: uuid.UUID) -> ChainStatus:
    """One chain's stored verification and head: two indexed reads, whatever the chain's length."""
    return ChainStatus(chain, checkpoint(chain), chain_head(chain))


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


EVENT_ORDER = ("-seq", "id")  # seq is unique in a chain; the id only completes the keyset rule


def search_events(chain: uuid.UUID, filters: EventFilter, *, cursor: str | None = None, size: int = 50) -> KeysetPage:
    """A page of the chain's events matching ``filters``, newest first, each with its ``summary``.

    Keyset-paginated on ``seq`` (decision 0035): one range scan of the
    ``(chain, seq)`` index, whatever the page, and no count of the chain
    (decision 0037). Read whole inside the chain's context (a lazy queryset
    would be read outside it, where RLS shows nothing). A bad cursor is a 400.
    """
    from apps.audit.labels import describe

    with db_tenant(chain):
        page = keyset_page(_filtered(chain, filters), order=EVENT_ORDER, cursor=cursor, size=size, salt="audit-log")
    for event in page.items:
        event.summary = describe(event)
    return page


def chain_actions(chain: uuid.UUID) -> list[str]:
    """The actions a chain's log can be filtered to: every labelled action, so no scan of the chain.

    Every recorded action has a label (``tests/audit/test_labels.py``), so this holds every action a chain has.
    """
    from apps.audit.labels import LABELS

    return sorted(LABELS)
