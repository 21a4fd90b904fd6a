"""The outbox's test harness: a tenant task of our own, and the broker replaced by a list."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from celery import shared_task

from apps.outbox import services
from apps.outbox.tasks import OutboxTask

CALLS: list[dict] = []
BEHAVIOUR: list = []  # what the next runs do: an exception to raise, or None to succeed


@shared_task(bind=True, base=OutboxTask, name="tests.outbox.effect", atomic=False)
def effect(self, *, tenant_id: str, n: int = 0) -> str:
    CALLS.append({"tenant_id": tenant_id, "n": n})
    if BEHAVIOUR:
        outcome = BEHAVIOUR.pop(0)
        if outcome is not None:
            raise outcome
    return "done"


@pytest.fixture
def broker(monkeypatch):
    """Messages the outbox published (the item and whether the publish retries), none delivered."""
    sent: list = []
    CALLS.clear()
    BEHAVIOUR.clear()
    monkeypatch.setattr(services, "_publish", lambda item, *, retry: sent.append((item.pk, retry)))
    monkeypatch.setattr(services, "broker_reachable", lambda: True)
    return sent


@pytest.fixture
def breaker(monkeypatch):
    """Set a dependency's breaker state: breaker["hmrc"] = "open"."""
    from apps.integrations import breakers

    states: dict[str, str] = {}
    monkeypatch.setattr(breakers, "state", lambda key: states.get(key, "closed"))
    return states


def deliver(item, **extra):
    """A worker receives the message for ``item``: the task runs with the outbox id, as from Redis."""
    return effect.apply(kwargs={**item.kwargs, "outbox_id": str(item.pk), **extra}).get()


CLOSED_PORT_URL = "redis://127.0.0.1:57299/4"  # a port of this helper's range where nothing listens


@contextlib.contextmanager
def broker_at(url: str) -> Iterator[None]:
    """Point this process's Celery producer at ``url`` (a closed port: Redis is down), then back."""
    from config.celery import app

    names = ("broker_url", "broker_write_url", "broker_read_url")
    before = {name: app.conf[name] for name in names}

    def use(values: dict) -> None:
        app._pool = None
        app.amqp._producer_pool = None
        for name, value in values.items():
            app.conf[name] = value

    use(dict.fromkeys(names, url))
    try:
        yield
    finally:
        use(before)


def flush_broker() -> None:
    """Empty this helper's own broker database (Redis restarted without persistence): its queued messages are lost."""
    import redis
    from django.conf import settings

    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
