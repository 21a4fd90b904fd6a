"""Enqueueing effects in the caller's transaction, sending them, and the relay that sends them again.

``enqueue`` writes the row in the caller's transaction and registers a fast send for after the
commit; a request waits on a Redis that is down no longer than ``OUTBOX_FAST_SEND_CONNECT_TIMEOUT``
(0.5 s), and a failed fast send only leaves the row pending. The relay (a beat task every
``OUTBOX_RELAY_SECONDS``) sends what is due: pending rows, rows sent but not started within their
dispatch lease (the message was lost: Redis restarted without persistence, or was flushed), and rows
started but not finished within their run lease (the worker died). Duplicates are harmless because
every outbox task is idempotent (the document claim, the return's state machine); the leases only
keep them rare.

Parking: a row whose dependency's breaker is open waits in ``parked`` and is not sent; the relay
releases one row as the trial when the breaker is half-open and all of them once it is closed.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

from celery import current_app
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from apps.audit.privileged import privileged
from apps.audit.services import record_event
from apps.core.state_machine import InvalidTransition
from apps.integrations import breakers
from apps.outbox.models import Dependency, OutboxItem, OutboxState
from apps.outbox.states import move_item

log = logging.getLogger(__name__)
S = OutboxState


def dispatch_lease(attempts: int) -> timedelta:
    """How long a sent message may wait for a worker before it is sent again: doubles per send, capped.

    The first resend comes within a minute of a lost message; a long queue (many documents
    behind two OCR workers) is not flooded with copies every minute.
    """
    base = settings.OUTBOX_DISPATCH_LEASE_SECONDS
    return timedelta(seconds=min(settings.OUTBOX_DISPATCH_LEASE_MAX_SECONDS, base * 2 ** max(0, attempts - 1)))


def registered_task(name: str):
    """The task called ``name``; a web process imports every app's tasks module the first time it asks."""
    if name not in current_app.tasks:
        current_app.loader.import_default_modules()  # runs the autodiscovery the worker runs at start
    return current_app.tasks[name]


def enqueue(
    task_name: str,
    *,
    key: str,
    kwargs: dict,
    tenant_id: uuid.UUID | str | None = None,
    dependency: str = Dependency.NONE,
    delay: float = 0,
) -> OutboxItem:
    """Record one effect in the caller's transaction; sent after the commit (or by the relay).

    ``key`` names the effect: enqueueing a key that exists returns the existing row and sends
    nothing (a second click, a sweep that finds work already queued). ``delay`` > 0 leaves the
    send to the relay at that time. With the dependency's breaker open the row starts parked.
    """
    task = registered_task(task_name)  # NotRegistered for a task that does not exist: nothing is written
    if hasattr(task, "check_arguments"):
        task.check_arguments(kwargs)
    now = timezone.now()
    parked = bool(dependency) and breakers.is_open(dependency)
    fast = not parked and delay <= 0
    grace = settings.OUTBOX_FAST_SEND_GRACE_SECONDS if fast else 0
    try:
        with transaction.atomic():
            item = OutboxItem.objects.create(
                key=key[:200],
                task_name=task_name,
                kwargs=kwargs,
                tenant_id=tenant_id,
                dependency=dependency,
                state=S.PARKED if parked else S.PENDING,
                available_at=now + timedelta(seconds=max(delay, grace)),
            )
    except IntegrityError:
        return OutboxItem.objects.get(key=key[:200])
    if fast:
        item_id = item.pk
        transaction.on_commit(lambda: send_now(item_id), robust=True)
    return item


def _publish(item: OutboxItem, *, retry: bool) -> None:
    """Hand the message to the broker (in-process under the embedded mode). Raises if the broker refuses."""
    task = registered_task(item.task_name)
    options = {"retry": retry}
    if retry:
        options["retry_policy"] = settings.OUTBOX_PUBLISH_RETRY_POLICY
    task.apply_async(kwargs={**item.kwargs, "outbox_id": str(item.pk)}, **options)


def runs_in_process() -> bool:
    """The embedded mode (no broker): a publish runs the task here and then."""
    return bool(current_app.conf.task_always_eager)


_broker_down_until = 0.0


def broker_reachable() -> bool:
    """Whether a TCP connection to the broker opens within ``OUTBOX_FAST_SEND_CONNECT_TIMEOUT``.

    Why: with kombu's default reconnect intervals a publish to a Redis that refused connections held
    a request about 9 s (measured; 0.2 s with the transport options in settings). A host that drops
    packets instead of refusing costs the whole connect timeout, so this check bounds the fast send to
    ``OUTBOX_FAST_SEND_CONNECT_TIMEOUT`` either way, and a failure is remembered for
    ``OUTBOX_BROKER_DOWN_MEMORY_SECONDS`` so a burst of requests pays it once.
    """
    global _broker_down_until
    if time.monotonic() < _broker_down_until:
        return False
    url = urlsplit(current_app.conf.broker_write_url or current_app.conf.broker_url or "")
    if url.scheme not in ("redis", "rediss") or not url.hostname:
        return True  # another transport: its own timeouts apply
    try:
        socket.create_connection((url.hostname, url.port or 6379),
                                 timeout=settings.OUTBOX_FAST_SEND_CONNECT_TIMEOUT).close()  # fmt: skip
    except OSError:
        _broker_down_until = time.monotonic() + settings.OUTBOX_BROKER_DOWN_MEMORY_SECONDS
        return False
    return True


def send_now(item_id: uuid.UUID) -> bool:
    """The fast send after the commit: mark it dispatched, publish once without retrying; False if not sent.

    A broker that is down costs at most its connect timeout here; the row goes back to pending,
    due now, and the relay sends it when the broker is back.
    """
    item = OutboxItem.objects.filter(pk=item_id, state=S.PENDING).first()
    if item is None:
        return False
    now = timezone.now()
    try:
        move_item(
            item,
            "dispatch",
            changes={
                "attempts": item.attempts + 1,
                "sent_at": now,
                "lease_until": now + dispatch_lease(item.attempts + 1),
            },
        )
    except InvalidTransition:
        return False  # the relay took it meanwhile
    if runs_in_process():
        _publish(item, retry=False)  # runs the task here (the embedded mode); its own outcome moves the row
        return True
    try:
        if not broker_reachable():
            raise ConnectionRefusedError("the broker did not accept a connection")
        _publish(item, retry=False)
    except Exception as exc:  # the broker is unreachable: the relay sends it later
        log.warning("outbox: fast send failed, left for the relay",
                    extra={"outbox_id": str(item.pk), "error": f"{exc.__class__.__name__}: {exc}"})  # fmt: skip
        _unsend(item, exc)
        return False
    return True


def _unsend(item: OutboxItem, exc: BaseException) -> None:
    """A publish failed: back to pending, due now, the failed send not counted."""
    with contextlib.suppress(InvalidTransition):  # a worker got the message after all and moved it on
        move_item(
            item,
            "defer",
            changes={
                "attempts": max(0, item.attempts - 1),
                "lease_until": None,
                "available_at": timezone.now(),
                "last_error": f"send failed: {exc.__class__.__name__}: {exc}"[:2000],
            },
        )


@dataclass
class RelayReport:
    sent: int = 0
    resent: int = 0
    parked: int = 0
    released: int = 0
    dead: int = 0
    send_failed: bool = False
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "errors"} | {"errors": self.errors[:5]}


def release_parked(report: RelayReport) -> None:
    """Parked rows go back to pending when their breaker allows: one trial when half-open, all when closed."""
    dependencies = OutboxItem.objects.filter(state=S.PARKED).values_list("dependency", flat=True).distinct()
    now = timezone.now()
    for dependency in sorted(set(dependencies)):
        status = breakers.state(dependency) if dependency else "closed"
        if status == "open":
            continue
        parked = OutboxItem.objects.filter(state=S.PARKED, dependency=dependency).order_by("created_at")
        if status == "half_open":
            in_flight = OutboxItem.objects.filter(
                dependency=dependency, state__in=[S.PENDING, S.DISPATCHED, S.RUNNING]
            ).exists()
            if in_flight:
                continue  # the trial is on its way: its outcome closes or reopens the breaker
            parked = parked[:1]
        for item in parked:
            try:
                move_item(item, "release", changes={"available_at": now, "lease_until": None})
                report.released += 1
            except InvalidTransition:
                continue


def _due(now) -> Q:
    return Q(state=S.PENDING, available_at__lte=now) | Q(state__in=[S.DISPATCHED, S.RUNNING], lease_until__lt=now)


def _relay_one(item_id: uuid.UUID, report: RelayReport) -> bool:
    """Send (or park, or give up) one due row; False when the broker refused (stop the round)."""
    now = timezone.now()
    with transaction.atomic():
        item = OutboxItem.objects.select_for_update(skip_locked=True).filter(_due(now), pk=item_id).first()
        if item is None:
            return True  # another relay has it, or it moved on
        if item.dependency and breakers.is_open(item.dependency):
            move_item(item, "park", changes={"lease_until": None})
            report.parked += 1
            return True
        if item.attempts >= settings.OUTBOX_MAX_SENDS:
            move_item(
                item,
                "give_up",
                changes={
                    "finished_at": now,
                    "lease_until": None,
                    "last_error": f"Sent {item.attempts} times without finishing. {item.last_error}"[:2000],
                },
            )
            report.dead += 1
            log.error("outbox: item given up", extra={"outbox_id": str(item.pk), "task": item.task_name})
            return True
        was_sent = item.state != S.PENDING
        attempts = item.attempts + 1
        move_item(
            item,
            "resend" if was_sent else "dispatch",
            changes={"attempts": attempts, "sent_at": now, "lease_until": now + dispatch_lease(attempts)},
        )
        try:
            _publish(item, retry=True)
        except Exception as exc:
            report.send_failed = True
            report.errors.append(f"{exc.__class__.__name__}: {exc}")
            transaction.set_rollback(True)
            return False
        if was_sent:
            report.resent += 1
        else:
            report.sent += 1
    return True


def relay(*, limit: int | None = None) -> RelayReport:
    """One round: release what the breakers allow, then send what is due (oldest first)."""
    report = RelayReport()
    release_parked(report)
    limit = limit or settings.OUTBOX_RELAY_BATCH
    due = OutboxItem.objects.filter(_due(timezone.now())).order_by("available_at").values_list("pk", flat=True)
    for item_id in list(due[:limit]):
        if not _relay_one(item_id, report):
            break
    return report


# --- The task side (apps.outbox.tasks.OutboxTask calls these) ----------------------------------------------


def abandoned_before(item_id: str) -> bool:
    """True when an earlier send of this effect started and its worker died: the relay sent it again because the
    running lease lapsed (a heartbeat that stopped), or the lease lapsed and the relay has not yet noticed. The
    task may then take over that attempt's claim."""
    lapsed = Q(state=OutboxState.RUNNING, lease_until__lt=timezone.now())
    sent_again = Q(state=OutboxState.DISPATCHED, started_at__isnull=False)
    return OutboxItem.objects.filter(lapsed | sent_again, pk=item_id).exists()


def begin(item_id: str, *, lease_seconds: float, holder: str = "") -> str | None:
    """The worker starts the effect: running with a lease held by ``holder`` (the task message's id).

    Returns None when started, else why not: ``"settled"`` (done, parked, dead) or ``"running"`` (another copy
    of the message holds a live lease: a duplicate must not run the effect beside it and then mark the row
    done while the first copy may still die). The holder's own retry (same task id) starts again.
    """
    with transaction.atomic():
        # Locked: two copies arriving together must not both see "not running" and both start.
        item = OutboxItem.objects.select_for_update().filter(pk=item_id).first()
        if item is None:
            return None  # not ours to track (a row deleted by hand): run the idempotent task anyway
        now = timezone.now()
        held_by_another = not holder or item.holder != holder
        if item.state == OutboxState.RUNNING and item.lease_until and item.lease_until > now and held_by_another:
            log.info("outbox: duplicate message while running", extra={"outbox_id": str(item.pk)})
            return "running"
        changes = {"started_at": now, "lease_until": now + timedelta(seconds=lease_seconds), "holder": holder[:64]}
        try:
            move_item(item, "start", changes=changes)
        except InvalidTransition:
            return "settled"
    return None


def renew(item_id: str, *, lease_seconds: float) -> bool:
    """The worker is still at it: the running row's lease moves on (False once it is no longer running)."""
    until = timezone.now() + timedelta(seconds=lease_seconds)
    return OutboxItem.objects.filter(pk=item_id, state=OutboxState.RUNNING).update(lease_until=until) > 0


def _settle(item_id: str, transition: str, changes: dict) -> None:
    item = OutboxItem.objects.filter(pk=item_id).first()
    if item is None:
        return
    with contextlib.suppress(InvalidTransition):  # settled already (a duplicate message finished first)
        move_item(item, transition, changes=changes)


def finish(item_id: str) -> None:
    _settle(item_id, "finish", {"finished_at": timezone.now(), "lease_until": None, "last_error": ""})


def defer(item_id: str, seconds: float, reason: str = "", kwargs: dict | None = None, *, answered: bool = True) -> None:
    """Due again in ``seconds`` (a retry countdown kept in PostgreSQL, not in a Redis ETA message).

    ``answered``: the task ran and chose to wait (a deferral, HMRC's retry-later), so its sends start
    counting afresh: a business waiting its OCR turn many times is not given up as dead. A task that
    raised is not an answer, and its sends keep counting towards ``OUTBOX_MAX_SENDS``.
    """
    changes = {
        "available_at": timezone.now() + timedelta(seconds=seconds),
        "lease_until": None,
        "last_error": reason[:2000],
    }
    if answered:
        changes["attempts"] = 0
    if kwargs is not None:
        changes["kwargs"] = kwargs
    _settle(item_id, "defer", changes)


def park(item_id: str, reason: str) -> None:
    _settle(item_id, "park", {"lease_until": None, "last_error": reason[:2000]})


def failed_attempt(item_id: str, exc: BaseException) -> None:
    """The task raised: due again after a backoff (the relay gives up after ``OUTBOX_MAX_SENDS`` sends)."""
    item = OutboxItem.objects.filter(pk=item_id).first()
    if item is None:
        return
    seconds = min(settings.OUTBOX_DISPATCH_LEASE_MAX_SECONDS, 30 * 2 ** max(0, item.attempts - 1))
    defer(item_id, seconds, f"{exc.__class__.__name__}: {exc}", answered=False)


def retry_dead(item: OutboxItem) -> OutboxItem:
    """A dead item goes back to pending, due now, its sends counted afresh (the relay sends it)."""
    return move_item(item, "retry", changes={"attempts": 0, "available_at": timezone.now(), "finished_at": None})


@privileged("outbox.item.")
def staff_retry_dead(*, item: OutboxItem, actor) -> OutboxItem:
    """A staff member's "Send again" on a dead item, audited (the effect it sends may reach HMRC)."""
    with transaction.atomic():
        before = {"state": item.state, "attempts": item.attempts, "last_error": item.last_error[:500]}
        retry_dead(item)
        record_event(
            "outbox.item.retried",
            actor=actor,
            tenant_id=item.tenant_id,
            target_type="outbox.item",
            target_id=str(item.pk),
            before=before,
            after={"state": item.state},
            extra={"task": item.task_name, "key": item.key},
        )
    return item


def purge_done(*, older_than: timedelta | None = None) -> int:
    """Delete done rows finished longer ago than ``OUTBOX_KEEP_DONE_DAYS``: history, not work (dead rows stay)."""
    cutoff = timezone.now() - (older_than or timedelta(days=settings.OUTBOX_KEEP_DONE_DAYS))
    deleted, _ = OutboxItem.objects.filter(state=S.DONE, finished_at__lt=cutoff).delete()
    return deleted


__all__ = ["enqueue", "purge_done", "relay", "retry_dead", "send_now", "staff_retry_dead"]
