"""Writes that must outlive the request's transaction when it rolls back.

The portal runs each tenant request in one transaction and rolls it back
when the response is an error, so a refused request writes nothing. A few
writes record a fact about the outside world that has already happened and
cannot be undone by our rollback: HMRC's refresh tokens are single use, so
once HMRC has issued new tokens the old refresh token is spent; losing the
new ones would leave the business needing to reconnect.

Such a write registers a replay with ``keep_after_rollback``; the portal
middleware collects them for the request and, only if it rolled back, runs
each again in a transaction of its own. A replay must be idempotent and
check that its write is still the right one (it runs after the rollback,
against the rows as they are then).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import structlog
from django.db import transaction

log = structlog.get_logger("strongroom.tenancy")

Replay = Callable[[], None]
_pending: ContextVar[list[Replay] | None] = ContextVar("strongroom_durable_writes", default=None)


@contextmanager
def collecting() -> Iterator[list[Replay]]:
    """Collect the replays registered while serving one request."""
    token = _pending.set([])
    try:
        yield _pending.get()
    finally:
        _pending.reset(token)


def keep_after_rollback(replay: Replay) -> bool:
    """Run ``replay`` again if the surrounding request transaction rolls back; True when registered."""
    pending = _pending.get()
    if pending is None or not transaction.get_connection().in_atomic_block:
        return False  # outside a request's transaction the write has already committed on its own
    pending.append(replay)
    return True


def replay_all(pending: list[Replay]) -> None:
    """After a rollback: each replay in turn, one failing never stopping the others."""
    for replay in pending:
        try:
            replay()
        except Exception:  # a replay that fails must not turn the user's answer into a 500
            log.exception("durable_write_replay_failed", replay=getattr(replay, "__name__", repr(replay)))
