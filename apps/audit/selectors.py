"""Reading the audit log and verifying its chains.

On PostgreSQL a chain is readable only inside its own context (the audit RLS
policy), so every read here enters ``db_tenant(chain)``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

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
