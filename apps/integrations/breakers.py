"""Circuit breakers around the external services, one per dependency, state shared by every process.

Keys are the dependency keys of ``apps.monitors.banners.DEPENDENCIES`` minus "ocr":
``hmrc``, ``companies_house``, ``bank_feed``. Decision 0016 says why it works this way; in short:

- **Shared state in Redis**, changed only by Lua scripts, so "check, then open" and "let one
  trial through" are atomic across every web process and worker (pybreaker's Redis storage is
  neither atomic nor safe when Redis is down, hence this small breaker of our own). Our own
  Redis client: short connect/read timeouts and no client retries, so a dead Redis costs one
  short wait, not a stack of them.
- **Redis down → a per-process in-memory breaker** with the same rules takes over for
  ``BREAKER_REDIS_RETRY_SECONDS``, then Redis is tried again. Each process then protects itself
  (it opens after ``fail_max`` failures of its own); falling back to "closed" would remove the
  protection exactly when the platform is in trouble. With no Redis configured at all (the
  embedded mode) the in-memory breaker is the breaker: one process makes every call.
- **What counts** (``classify``): timeouts, connection failures and 5xx count as failures;
  an answer, even a rejection (4xx, HmrcRejected, CompanyNotFound), is a success; 429 and
  unexpected exceptions are neutral (rate limiting is the rate limiter's business).
- **Half-open**: after ``reset_timeout`` one caller gets a trial lease; its success closes the
  breaker, its failure reopens it; a trial whose process died frees the lease after
  ``BREAKER_TRIAL_LEASE_SECONDS``.

Each transition is made by exactly one process (the script says so), which logs
``circuit_breaker_state_changed``, counts it and sends ``breaker_state_changed`` (the banners).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, TypeVar

import structlog
from django.conf import settings

from apps.integrations import breaker_store
from apps.integrations.errors import ExternalServiceUnavailable, IntegrationError, RateLimited
from apps.integrations.signals import breaker_state_changed
from apps.observability.metrics import BREAKER_TRANSITIONS, safely

T = TypeVar("T")
State = Literal["closed", "open", "half_open"]
Outcome = Literal["success", "failure", "neutral"]
KEYS = ("hmrc", "companies_house", "bank_feed")
LABELS = {"hmrc": "HMRC", "companies_house": "Companies House", "bank_feed": "The bank"}

log = structlog.get_logger("strongroom.integrations.breakers")


class CircuitOpen(ExternalServiceUnavailable):
    """The dependency's breaker is open: nothing was sent. Work that must happen is parked, not retried."""

    code = "CIRCUIT_OPEN"

    def __init__(self, key: str, *, service: str = "", retry_in: float | None = None) -> None:
        self.key = key
        self.retry_in = retry_in
        super().__init__(code=self.code, service=service)


@dataclass(frozen=True)
class Config:
    fail_max: int
    reset_timeout: float


@dataclass(frozen=True)
class BreakerStatus:
    """What the staff console shows for one breaker."""

    key: str
    state: State
    failures: int
    opened_at: datetime | None
    next_trial_at: datetime | None
    fail_max: int
    reset_timeout: float
    store: Literal["redis", "memory"]


def config(key: str) -> Config:
    """``BREAKERS[key]`` over the defaults (settings: BREAKER_FAIL_MAX, BREAKER_RESET_TIMEOUT)."""
    own = getattr(settings, "BREAKERS", {}).get(key, {})
    return Config(
        fail_max=max(1, int(own.get("fail_max", settings.BREAKER_FAIL_MAX))),
        reset_timeout=float(own.get("reset_timeout", settings.BREAKER_RESET_TIMEOUT)),
    )


def classify(exc: BaseException | None) -> Outcome:
    """What a call's ending says about the dependency's health (decision 0016)."""
    if exc is None:
        return "success"
    if isinstance(exc, RateLimited | CircuitOpen):
        return "neutral"
    if isinstance(exc, ExternalServiceUnavailable):
        return "failure"
    if isinstance(exc, IntegrationError):
        return "success"  # a rejection: the service answered
    return "neutral"  # our own bug or an interruption says nothing about the service


def _clock() -> float:
    return time.time()


def _store(key: str) -> breaker_store.Store:
    return breaker_store.current()


def _transition(key: str, old: str, new: str, failures: int, store: str) -> None:
    """One process saw this change (the store said so): log, count and tell the apps above."""
    (log.warning if new == "open" else log.info)(
        "circuit_breaker_state_changed", breaker=key, old_state=old, new_state=new, failures=failures, store=store
    )
    safely(lambda: BREAKER_TRANSITIONS.labels(key, new).inc())
    try:
        breaker_state_changed.send(sender=key, key=key, old_state=old, new_state=new)
    except Exception:  # a receiver (a banner) must never break the call that changed the state
        log.exception("circuit_breaker_receiver_failed", breaker=key, new_state=new)


def acquire(key: str) -> None:
    """Let one call through ``key``'s breaker or raise CircuitOpen (nothing may be sent)."""
    cfg = config(key)
    now = _clock()
    store = _store(key)
    allowed, old, new, wait, failures = store.acquire(key, cfg, now, float(settings.BREAKER_TRIAL_LEASE_SECONDS))
    if old != new:
        _transition(key, old, new, failures, store.name)
    if not allowed:
        raise CircuitOpen(key, service=LABELS.get(key, key), retry_in=round(max(0.0, wait), 3))


def record(key: str, outcome: Outcome) -> None:
    """What the call that ``acquire`` let through came to."""
    store = _store(key)
    old, new, failures = store.record(key, config(key), outcome, _clock())
    if old != new:
        _transition(key, old, new, failures, store.name)


def guarded(key: str, fn: Callable[..., T], *args, **kwargs) -> T:
    """Call ``fn`` through ``key``'s breaker (raises CircuitOpen without calling when open)."""
    acquire(key)
    try:
        result = fn(*args, **kwargs)
    except BaseException as error:
        record(key, classify(error))
        raise
    record(key, "success")
    return result


def snapshot(key: str) -> BreakerStatus:
    """The breaker as every process sees it (the state is "half_open" once a trial is due)."""
    cfg = config(key)
    store = _store(key)
    row = store.read(key)
    now = _clock()
    state: State = row.state
    opened_at = row.opened_at or None
    next_trial = (opened_at + cfg.reset_timeout) if opened_at and state == "open" else None
    if state == "open" and next_trial is not None and now >= next_trial:
        state, next_trial = "half_open", None  # a trial is due: the next call is it

    def when(seconds: float | None) -> datetime | None:
        return datetime.fromtimestamp(seconds, tz=UTC) if seconds else None

    return BreakerStatus(
        key=key,
        state=state,
        failures=row.failures,
        opened_at=when(opened_at) if state != "closed" else None,
        next_trial_at=when(next_trial),
        fail_max=cfg.fail_max,
        reset_timeout=cfg.reset_timeout,
        store=store.name,
    )


def state(key: str) -> State:
    """The breaker's state as every process sees it."""
    return snapshot(key).state


def is_open(key: str) -> bool:
    """True while calls to ``key`` are refused (open and its reset timeout not yet elapsed)."""
    return state(key) == "open"


def reset(key: str | None = None) -> None:
    """Close ``key``'s breaker (every breaker without a key) and forget its failures: tests and staff tools."""
    breaker_store.reset_everywhere(*([key] if key else KEYS))
