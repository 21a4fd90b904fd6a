"""``OutboxTask``: the base class of every task that must happen, and the relay beat task.

A task sent by the outbox carries ``outbox_id`` in its kwargs (the body never sees it). Around
the body the base class moves the row: running with a lease on start (a duplicate message for a
finished effect does nothing), done on return, parked on ``CircuitOpen`` (nothing was sent; no
retry storm), pending again on ``Deferred`` (a countdown kept in PostgreSQL, not in Redis).

Database errors (PostgreSQL restarting, a dropped connection) are retried with bounded, jittered
exponential backoff through Celery; the body is never told the database blipped, so no document
is marked failed for it (issue #17, item 5).
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError, connections

from apps.integrations.breakers import CircuitOpen
from apps.outbox import services
from apps.outbox.errors import Deferred
from apps.tenancy.tasks import TenantTask

DATABASE_ERRORS = (OperationalError, InterfaceError)
log = logging.getLogger(__name__)


class Heartbeat(threading.Thread):
    """Renews a running row's lease while the task runs; dies with the worker, so a killed worker's lease lapses.

    A thread of the worker process (the pool child that runs the task), with its own database connection,
    closed when it stops. Without it a row would wait the task's whole hard time limit before being sent again.
    """

    def __init__(self, item_id: str, *, every: float) -> None:
        super().__init__(name=f"outbox-heartbeat-{item_id}", daemon=True)
        self.item_id, self.every, self._stopped = item_id, every, threading.Event()

    @property
    def lease_seconds(self) -> float:
        return self.every * 3

    def run(self) -> None:
        try:
            while not self._stopped.wait(self.every):
                try:
                    services.renew(self.item_id, lease_seconds=self.lease_seconds)
                except Exception:  # the database blipped: the next beat tries again, the lease has slack
                    log.warning("outbox: lease renewal failed", exc_info=True)
        finally:
            connections.close_all()  # this thread's own connections only

    def stop(self) -> None:
        self._stopped.set()
        with contextlib.suppress(RuntimeError):  # never started
            self.join(timeout=5)


def database_backoff(retries: int, *, rng: random.Random | None = None) -> float:
    """Seconds before the next try after a database error: base·2^n capped, full jitter in [0.5, 1.5)."""
    rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
    ceiling = min(settings.TASK_DATABASE_RETRY_MAX_SECONDS, settings.TASK_DATABASE_RETRY_BASE_SECONDS * 2**retries)
    return ceiling * (0.5 + rng.random())


def _drop_broken_connections() -> None:
    """Close connections a database error left unusable, so the retry opens a fresh one (never one in a transaction)."""
    for conn in connections.all(initialized_only=True):
        if not conn.in_atomic_block:
            conn.close_if_unusable_or_obsolete()


class OutboxTask(TenantTask):
    abstract = True
    # The message carries ``outbox_id`` beside the body's kwargs; ``enqueue`` checks the body's own
    # arguments against the signature instead, in the caller's transaction (``check_arguments``).
    typing = False

    def check_arguments(self, kwargs: dict) -> None:
        """Raise TypeError now, before the commit, for kwargs the task body would refuse."""
        header = getattr(self, "__header__", None)
        if header is not None:
            header(**kwargs)

    def _run_lease_seconds(self) -> float:
        limit = self.time_limit or settings.CELERY_TASK_TIME_LIMIT
        return float(limit) + settings.OUTBOX_RUN_LEASE_MARGIN_SECONDS

    def __call__(self, *args, **kwargs):
        outbox_id = kwargs.pop("outbox_id", None)
        try:
            return self._call_tracked(outbox_id, args, kwargs)
        except DATABASE_ERRORS as exc:
            _drop_broken_connections()
            if self.request.called_directly:
                raise
            if self.request.retries >= settings.TASK_DATABASE_RETRIES:
                raise  # the outbox's lease sends it again later
            retry_kwargs = {**kwargs, "outbox_id": outbox_id} if outbox_id else kwargs
            raise self.retry(
                exc=exc, countdown=database_backoff(self.request.retries), kwargs=retry_kwargs,
                max_retries=settings.TASK_DATABASE_RETRIES,
            ) from exc  # fmt: skip

    def _heartbeat(self, outbox_id) -> Heartbeat | None:
        """A heartbeat for a row a real worker runs (in-process and eager runs finish before any lease matters)."""
        every = settings.OUTBOX_HEARTBEAT_SECONDS
        if not outbox_id or every <= 0 or self.request.is_eager or self.request.called_directly:
            return None
        return Heartbeat(outbox_id, every=every)

    def _call_tracked(self, outbox_id, args, kwargs):
        heartbeat = self._heartbeat(outbox_id)
        lease = heartbeat.lease_seconds if heartbeat else self._run_lease_seconds()
        # Read by tasks whose own claim must know that the attempt before this one died (process_document).
        self.request.outbox_takeover = bool(outbox_id) and services.abandoned_before(outbox_id)
        refused = outbox_id and services.begin(outbox_id, lease_seconds=lease, holder=self.request.id or "")
        if refused:
            return f"already_{refused}"
        if heartbeat:
            heartbeat.start()
        try:
            return self._run_body(outbox_id, args, kwargs)
        finally:
            if heartbeat:
                heartbeat.stop()

    def _run_body(self, outbox_id, args, kwargs):
        try:
            result = super().__call__(*args, **kwargs)
        except CircuitOpen as exc:
            if not outbox_id:
                raise
            services.park(outbox_id, f"{exc.key} circuit open")
            return "parked"
        except Deferred as exc:
            if outbox_id:
                services.defer(outbox_id, exc.seconds, exc.reason, exc.kwargs)
            elif not self.request.is_eager and not self.request.called_directly:
                # A message from before the outbox: a fresh one later (not a retry: not a failure).
                self.apply_async(kwargs=exc.kwargs or kwargs, countdown=exc.seconds)
            return "deferred"
        except DATABASE_ERRORS:
            raise
        except Exception as exc:
            if outbox_id:
                services.failed_attempt(outbox_id, exc)
            raise
        if outbox_id:
            services.finish(outbox_id)
        return result


@shared_task(name="maintenance.outbox_relay")
def outbox_relay() -> dict:
    """Beat: send what is due, again what was lost, release what the breakers allow."""
    return services.relay().as_dict()


@shared_task(name="maintenance.outbox_purge")
def outbox_purge() -> int:
    """Beat, daily: forget done rows after ``OUTBOX_KEEP_DONE_DAYS`` (the rows their work changed remain)."""
    return services.purge_done()
