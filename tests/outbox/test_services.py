"""The outbox: committed with the caller, sent after the commit, sent again when lost or its worker died."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import OperationalError, transaction
from django.utils import timezone

from apps.outbox import services
from apps.outbox.models import OutboxItem, OutboxState
from apps.outbox.services import enqueue, relay
from apps.outbox.states import ITEM_STATES
from tests.outbox.conftest import BEHAVIOUR, CALLS, deliver, effect

pytestmark = pytest.mark.django_db
S = OutboxState
TASK = "tests.outbox.effect"


def _enqueue(tenant, key="k1", **kwargs):
    return enqueue(TASK, key=key, kwargs={"tenant_id": str(tenant.pk)}, tenant_id=tenant.pk, **kwargs)


def _later(seconds: float):
    return timezone.now() + timedelta(seconds=seconds)


def test_the_row_commits_with_the_caller_and_is_sent_after_the_commit(tenant_a, broker,
                                                                      django_capture_on_commit_callbacks):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            item = _enqueue(tenant_a)
            assert broker == []  # nothing leaves before the commit
    item.refresh_from_db()
    assert broker == [(item.pk, False)]  # the fast send never retries: a request waits on no broker
    assert (item.state, item.attempts) == (S.DISPATCHED, 1)
    assert item.lease_until > timezone.now()


def test_a_rolled_back_caller_leaves_no_row_and_sends_nothing(tenant_a, broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            _enqueue(tenant_a)
            raise RuntimeError("the state change failed")
    assert not OutboxItem.objects.exists() and broker == []


def test_one_key_is_one_effect(tenant_a, broker):
    first = _enqueue(tenant_a)
    assert _enqueue(tenant_a) == first
    assert OutboxItem.objects.count() == 1


def test_unknown_kwargs_are_refused_before_anything_is_written(tenant_a, broker):
    with pytest.raises(TypeError):
        enqueue(TASK, key="bad", kwargs={"tenant_id": str(tenant_a.pk), "typo": 1})
    assert not OutboxItem.objects.exists()


def test_a_failed_fast_send_leaves_it_pending_for_the_relay(tenant_a, monkeypatch, broker):
    item = _enqueue(tenant_a)

    def refuse(item, *, retry):
        raise ConnectionRefusedError("redis down")

    monkeypatch.setattr(services, "_publish", refuse)
    monkeypatch.setattr(services, "runs_in_process", lambda: False)  # a broker is configured
    assert services.send_now(item.pk) is False
    item.refresh_from_db()
    assert (item.state, item.attempts) == (S.PENDING, 0) and "redis down" in item.last_error
    assert item.available_at <= timezone.now()
    # The broker is back: the relay's next round sends it (with the publish's own retries).
    monkeypatch.setattr(services, "_publish", lambda item, *, retry: broker.append((item.pk, retry)))
    assert relay().sent == 1
    item.refresh_from_db()
    assert item.state == S.DISPATCHED and broker == [(item.pk, True)]


def test_the_relay_waits_for_the_fast_send_then_sends(tenant_a, broker):
    item = _enqueue(tenant_a)  # its fast send never ran (the process died after the commit)
    assert relay().sent == 0
    OutboxItem.objects.filter(pk=item.pk).update(available_at=_later(-1))
    assert relay().sent == 1 and broker == [(item.pk, True)]


def test_a_lost_message_is_sent_again_after_its_lease_and_only_then(tenant_a, broker):
    item = _enqueue(tenant_a)
    services.send_now(item.pk)
    assert relay().resent == 0  # within its lease: the worker may just be busy
    OutboxItem.objects.filter(pk=item.pk).update(lease_until=_later(-1))  # Redis lost it: nobody started it
    report = relay()
    item.refresh_from_db()
    assert report.resent == 1 and item.attempts == 2 and item.state == S.DISPATCHED
    # Each resend waits longer: a long queue is not flooded with copies.
    assert item.lease_until - item.sent_at == services.dispatch_lease(2) > services.dispatch_lease(1)


def test_a_running_task_is_not_sent_again_within_its_run_lease(tenant_a, broker, settings):
    item = _enqueue(tenant_a)
    assert services.begin(str(item.pk), lease_seconds=600) is None
    assert relay().resent == 0
    OutboxItem.objects.filter(pk=item.pk).update(lease_until=_later(-1))  # its worker died
    assert relay().resent == 1


def test_the_task_marks_its_item_done_and_a_duplicate_does_nothing(tenant_a, broker):
    item = _enqueue(tenant_a)
    assert deliver(item) == "done"
    item.refresh_from_db()
    assert item.state == S.DONE and item.finished_at is not None and item.lease_until is None
    assert deliver(item) == "already_settled"  # a copy sent by the relay arrives late
    assert len(CALLS) == 1
    assert relay().resent == 0


def test_a_task_that_raises_is_due_again_after_a_backoff(tenant_a, broker):
    item = _enqueue(tenant_a)
    OutboxItem.objects.filter(pk=item.pk).update(attempts=3)
    BEHAVIOUR.append(ValueError("boom"))
    with pytest.raises(ValueError):
        deliver(item)
    item.refresh_from_db()
    assert item.state == S.PENDING and "boom" in item.last_error and item.available_at > timezone.now()
    assert item.attempts == 3  # a failure is no answer: its sends keep counting towards giving up


def test_after_too_many_sends_it_is_dead_and_a_person_can_send_it_again(tenant_a, broker, settings):
    item = _enqueue(tenant_a)
    OutboxItem.objects.filter(pk=item.pk).update(attempts=settings.OUTBOX_MAX_SENDS, available_at=_later(-1))
    assert relay().dead == 1
    item.refresh_from_db()
    assert item.state == S.DEAD and "without finishing" in item.last_error
    services.retry_dead(item)
    item.refresh_from_db()
    assert (item.state, item.attempts) == (S.PENDING, 0)
    assert relay().sent == 1


def test_a_deferral_is_kept_in_the_row_not_in_the_broker(tenant_a, broker):
    from apps.outbox.errors import Deferred

    item = _enqueue(tenant_a)
    BEHAVIOUR.append(Deferred(120, "wait your turn"))
    assert deliver(item) == "deferred"
    item.refresh_from_db()
    assert item.state == S.PENDING and item.available_at > _later(100)
    assert relay().sent == 0 and broker == []
    assert item.attempts == 0  # an answer, not a failure: a business deferred many times is never given up


def test_database_errors_are_retried_with_backoff_not_failed(tenant_a, broker, settings, monkeypatch):
    """PostgreSQL restarting under a worker: the task goes back to the broker with a backoff, nothing is failed."""
    from celery.exceptions import Retry

    retries = []

    def retry(*, exc, countdown, kwargs, max_retries):
        retries.append({"countdown": countdown, "kwargs": kwargs, "max_retries": max_retries, "exc": exc})
        return Retry(exc=exc, when=countdown)

    monkeypatch.setattr(effect, "retry", retry)
    item = _enqueue(tenant_a)
    BEHAVIOUR.append(OperationalError("server closed the connection"))
    with pytest.raises(Retry):
        effect.apply(kwargs={**item.kwargs, "outbox_id": str(item.pk)}, task_id="msg-1", throw=True).get()
    assert len(retries) == 1 and retries[0]["max_retries"] == settings.TASK_DATABASE_RETRIES
    assert retries[0]["kwargs"]["outbox_id"] == str(item.pk)  # the retry still settles its row
    assert 0 < retries[0]["countdown"] <= settings.TASK_DATABASE_RETRY_BASE_SECONDS * 1.5
    item.refresh_from_db()
    assert item.state == S.RUNNING and item.last_error == ""  # not failed, not deferred: the retry is on its way
    assert effect.apply(kwargs=retries[0]["kwargs"], task_id="msg-2").get() == "already_running"  # another copy
    # Celery's retry keeps the message's id: the retry starts again within its own lease.
    assert effect.apply(kwargs=retries[0]["kwargs"], task_id="msg-1").get() == "done"
    item.refresh_from_db()
    assert item.state == S.DONE


def test_database_backoff_is_bounded_and_jittered(settings):
    import random

    from apps.outbox.tasks import database_backoff

    rng = random.Random(7)
    waits = [database_backoff(n, rng=rng) for n in range(12)]
    assert all(0 < w < settings.TASK_DATABASE_RETRY_MAX_SECONDS * 1.5 for w in waits)
    assert len({round(w, 3) for w in waits}) == len(waits)  # jittered, never in lockstep


def test_every_state_is_labelled():
    assert ITEM_STATES.states <= set(ITEM_STATES.labels)


def test_a_broker_that_refuses_connections_costs_the_request_a_fraction_of_a_second(monkeypatch, settings):
    """Issue #17 item 4: a request hung ~15 s in Redis reconnect loops; the fast send now checks first."""
    import time

    from tests.outbox.conftest import CLOSED_PORT_URL, broker_at

    monkeypatch.setattr(services, "_broker_down_until", 0.0)
    settings.OUTBOX_BROKER_DOWN_MEMORY_SECONDS = 60
    with broker_at(CLOSED_PORT_URL):
        started = time.monotonic()
        assert services.broker_reachable() is False
        first = time.monotonic() - started
        assert services.broker_reachable() is False  # remembered: the next requests do not even try
    print(f"\nrefused broker detected in {first:.3f} s")
    monkeypatch.setattr(services, "_broker_down_until", 0.0)


def test_done_rows_are_purged_after_the_keep_period_and_nothing_else(tenant_a, broker, settings):
    from apps.outbox.tasks import outbox_purge

    settings.OUTBOX_KEEP_DONE_DAYS = 14
    old_done, recent_done, dead, _pending = (_enqueue(tenant_a, key=k) for k in ("a", "b", "c", "d"))
    long_ago = timezone.now() - timedelta(days=15)
    OutboxItem.objects.filter(pk=old_done.pk).update(state=S.DONE, finished_at=long_ago)
    OutboxItem.objects.filter(pk=recent_done.pk).update(state=S.DONE, finished_at=timezone.now())
    OutboxItem.objects.filter(pk=dead.pk).update(state=S.DEAD, finished_at=long_ago)
    assert outbox_purge() == 1
    assert set(OutboxItem.objects.values_list("key", flat=True)) == {"b", "c", "d"}


def test_a_running_tasks_lease_is_renewed_only_while_it_runs(tenant_a, broker):
    item = _enqueue(tenant_a)
    assert services.begin(str(item.pk), lease_seconds=1) is None
    assert services.renew(str(item.pk), lease_seconds=600)
    item.refresh_from_db()
    assert item.lease_until > _later(500)
    assert relay().resent == 0
    services.finish(str(item.pk))
    assert not services.renew(str(item.pk), lease_seconds=600)  # finished: nothing to renew


def test_the_heartbeat_beats_from_its_own_thread_until_stopped(monkeypatch):
    """Renewal itself is tested above; here the thread: it renews for three beats, repeatedly, and stops."""
    import threading

    from apps.outbox.tasks import Heartbeat

    beats: list[tuple[str, float, str]] = []
    three = threading.Event()

    def renew(item_id: str, *, lease_seconds: float) -> bool:
        beats.append((item_id, lease_seconds, threading.current_thread().name))
        if len(beats) >= 3:
            three.set()
        return True

    monkeypatch.setattr(services, "renew", renew)
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)
    heartbeat = Heartbeat("item-1", every=0.01)
    heartbeat.start()
    assert three.wait(10)
    heartbeat.stop()
    assert not heartbeat.is_alive()
    count = len(beats)
    assert {item for item, _, _ in beats} == {"item-1"}
    assert all(lease == pytest.approx(0.03) for _, lease, _ in beats)
    assert {name for *_, name in beats} == {"outbox-heartbeat-item-1"}
    import time

    time.sleep(0.05)
    assert len(beats) == count  # stopped means stopped


def test_a_send_after_a_lapsed_run_is_known_as_a_takeover(tenant_a, broker):
    item = _enqueue(tenant_a)
    OutboxItem.objects.filter(pk=item.pk).update(available_at=_later(-60), created_at=_later(-60))
    relay()
    assert not services.abandoned_before(str(item.pk))  # sent, never started
    assert services.begin(str(item.pk), lease_seconds=30) is None
    assert not services.abandoned_before(str(item.pk))  # running: its worker is alive
    OutboxItem.objects.filter(pk=item.pk).update(lease_until=_later(-1))  # the heartbeat stopped: worker dead
    assert relay().resent == 1
    assert services.abandoned_before(str(item.pk))


def test_a_duplicate_copy_is_refused_while_the_first_holds_a_live_lease(tenant_a, broker):
    """A dispatch-lease resend can reach a second worker while the first runs: the copy must not run the effect
    beside it and mark the row done, or the first copy dying afterwards would leave nothing to resend it."""
    item = _enqueue(tenant_a)
    assert services.begin(str(item.pk), lease_seconds=600, holder="first-message") is None
    assert services.begin(str(item.pk), lease_seconds=600, holder="second-message") == "running"
    assert services.begin(str(item.pk), lease_seconds=600) == "running"  # an unknown holder is another copy
    item.refresh_from_db()
    assert (item.state, item.holder) == (S.RUNNING, "first-message")
    # The task says so and runs nothing; the row stays the first copy's.
    assert deliver(item) == "already_running"
    assert CALLS == []
    item.refresh_from_db()
    assert item.state == S.RUNNING and item.finished_at is None


def test_the_lease_holders_own_retry_starts_again(tenant_a, broker):
    """A task retrying itself after a database error keeps its message id: it may start while its lease lives."""
    item = _enqueue(tenant_a)
    assert services.begin(str(item.pk), lease_seconds=600, holder="msg-1") is None
    assert services.begin(str(item.pk), lease_seconds=600, holder="msg-1") is None
    assert OutboxItem.objects.get(pk=item.pk).state == S.RUNNING


def test_once_the_lease_lapsed_another_copy_takes_over_even_before_the_relay_noticed(tenant_a, broker):
    item = _enqueue(tenant_a)
    assert services.begin(str(item.pk), lease_seconds=600, holder="dead-worker") is None
    assert not services.abandoned_before(str(item.pk))
    OutboxItem.objects.filter(pk=item.pk).update(lease_until=_later(-1))  # its heartbeat stopped
    assert services.abandoned_before(str(item.pk))  # the next copy knows the attempt before it died
    assert deliver(item) == "done"
    item.refresh_from_db()
    assert item.state == S.DONE and len(CALLS) == 1


def test_a_settled_row_is_refused_as_settled(tenant_a, broker):
    item = _enqueue(tenant_a)
    assert deliver(item) == "done"
    assert services.begin(str(item.pk), lease_seconds=600, holder="late-copy") == "settled"
