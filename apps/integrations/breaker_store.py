"""Where the breakers keep their state: Redis (shared, atomic scripts) or this process's memory.

Both stores apply the same rules to one record per key, ``{state, failures, opened_at, trial_until}``
(times are Unix seconds from the caller's clock, so tests can move time):

- ``acquire``: closed → go. Open and ``reset_timeout`` not elapsed → refused, with the seconds
  left. Open and due, or half-open with no live trial → half-open, this caller holds the trial
  lease until ``now + lease``. Half-open with a live trial → refused.
- ``record``: success closes from half-open and zeroes the failures; failure reopens from
  half-open, or counts one and opens at ``fail_max`` when closed; neutral frees the trial lease.
  Endings that arrive while open (calls that left before it opened) change nothing.

``current()`` gives the Redis store when ``BREAKER_REDIS_URL`` is set, else the memory store.
A Redis error makes this process use its memory store for ``BREAKER_REDIS_RETRY_SECONDS``
(logged once each way); see decision 0016.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, replace
from typing import Protocol

import structlog
from django.conf import settings
from redis.exceptions import RedisError

from apps.observability.metrics import BREAKER_STORE_FALLBACKS, safely

log = structlog.get_logger("strongroom.integrations.breakers")


@dataclass(frozen=True)
class Row:
    state: str = "closed"
    failures: int = 0
    opened_at: float = 0.0
    trial_until: float = 0.0


class Config(Protocol):
    fail_max: int
    reset_timeout: float


# (allowed, old state, new state, seconds to wait when refused, failures)
Acquired = tuple[bool, str, str, float, int]
# (old state, new state, failures)
Recorded = tuple[str, str, int]


def decide_acquire(row: Row, cfg: Config, now: float, lease: float) -> tuple[Row, Acquired]:
    """The rules of ``acquire`` on one record (the memory store's; the Lua script mirrors them)."""
    if row.state == "closed":
        return row, (True, "closed", "closed", 0.0, row.failures)
    if row.state == "open":
        due = row.opened_at + cfg.reset_timeout
        if now < due:
            return row, (False, "open", "open", due - now, row.failures)
        new = replace(row, state="half_open", trial_until=now + lease)
        return new, (True, "open", "half_open", 0.0, row.failures)
    if now < row.trial_until:
        return row, (False, "half_open", "half_open", row.trial_until - now, row.failures)
    return replace(row, trial_until=now + lease), (True, "half_open", "half_open", 0.0, row.failures)


def decide_record(row: Row, cfg: Config, outcome: str, now: float) -> tuple[Row, Recorded]:
    """The rules of ``record`` on one record."""
    old = row.state
    if old == "open":
        new = row
    elif outcome == "success":
        new = Row() if old == "half_open" or row.failures else row
    elif outcome == "failure":
        failures = row.failures + 1
        opens = old == "half_open" or failures >= cfg.fail_max
        new = Row("open", failures, now, 0.0) if opens else replace(row, failures=failures)
    else:
        new = replace(row, trial_until=0.0) if old == "half_open" else row
    return new, (old, new.state, new.failures)


class MemoryStore:
    """This process's breakers (the embedded mode, and the fallback while Redis is down)."""

    name = "memory"

    def __init__(self) -> None:
        self._rows: dict[str, Row] = {}
        self._lock = threading.Lock()

    def acquire(self, key: str, cfg: Config, now: float, lease: float) -> Acquired:
        with self._lock:
            self._rows[key], result = decide_acquire(self._rows.get(key, Row()), cfg, now, lease)
        return result

    def record(self, key: str, cfg: Config, outcome: str, now: float) -> Recorded:
        with self._lock:
            self._rows[key], result = decide_record(self._rows.get(key, Row()), cfg, outcome, now)
        return result

    def read(self, key: str) -> Row:
        with self._lock:
            return self._rows.get(key, Row())

    def reset(self, key: str) -> None:
        with self._lock:
            self._rows.pop(key, None)


# Lua returns numbers as integers (truncated), so fractional values travel as strings.
ACQUIRE_LUA = """
local r = redis.call('HMGET', KEYS[1], 'state', 'failures', 'opened_at', 'trial_until')
local state, failures = r[1] or 'closed', r[2] or '0'
local opened, trial = tonumber(r[3] or '0'), tonumber(r[4] or '0')
local now, reset, lease = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
if state == 'closed' then return {1, 'closed', 'closed', '0', failures} end
if state == 'open' then
  if now < opened + reset then return {0, 'open', 'open', tostring(opened + reset - now), failures} end
  redis.call('HSET', KEYS[1], 'state', 'half_open', 'trial_until', tostring(now + lease))
  return {1, 'open', 'half_open', '0', failures}
end
if now < trial then return {0, 'half_open', 'half_open', tostring(trial - now), failures} end
redis.call('HSET', KEYS[1], 'trial_until', tostring(now + lease))
return {1, 'half_open', 'half_open', '0', failures}
"""
RECORD_LUA = """
local r = redis.call('HMGET', KEYS[1], 'state', 'failures')
local state, failures = r[1] or 'closed', tonumber(r[2] or '0')
local outcome, now, fail_max = ARGV[1], ARGV[2], tonumber(ARGV[3])
if state == 'open' then return {state, state, failures} end
if outcome == 'success' then
  if state == 'half_open' or failures > 0 then redis.call('DEL', KEYS[1]) end
  return {state, 'closed', 0}
end
if outcome == 'failure' then
  failures = failures + 1
  if state == 'half_open' or failures >= fail_max then
    redis.call('HSET', KEYS[1], 'state', 'open', 'failures', failures, 'opened_at', now, 'trial_until', '0')
    return {state, 'open', failures}
  end
  redis.call('HSET', KEYS[1], 'state', 'closed', 'failures', failures)
  return {state, state, failures}
end
if state == 'half_open' then redis.call('HSET', KEYS[1], 'trial_until', '0') end
return {state, state, failures}
"""


class RedisStore:
    """The shared breakers: one hash per key, changed only by the two scripts above."""

    name = "redis"

    def __init__(self, url: str, timeout: float, prefix: str) -> None:
        from redis import Redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        self.prefix = prefix
        self.client = Redis.from_url(
            url,
            socket_connect_timeout=timeout,
            socket_timeout=timeout,
            retry=Retry(NoBackoff(), 0),  # no client retries: one short wait per call at most
            retry_on_timeout=False,
            health_check_interval=0,
            decode_responses=True,
        )
        self._acquire = self.client.register_script(ACQUIRE_LUA)
        self._record = self.client.register_script(RECORD_LUA)

    def _key(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def acquire(self, key: str, cfg: Config, now: float, lease: float) -> Acquired:
        args = [repr(now), cfg.reset_timeout, lease]
        allowed, old, new, wait, failures = self._acquire(keys=[self._key(key)], args=args)
        return bool(int(allowed)), old, new, float(wait), int(failures)

    def record(self, key: str, cfg: Config, outcome: str, now: float) -> Recorded:
        old, new, failures = self._record(keys=[self._key(key)], args=[outcome, repr(now), cfg.fail_max])
        return old, new, int(failures)

    def read(self, key: str) -> Row:
        fields = ("state", "failures", "opened_at", "trial_until")
        state, failures, opened, trial = self.client.hmget(self._key(key), *fields)
        return Row(state or "closed", int(failures or 0), float(opened or 0), float(trial or 0))

    def reset(self, key: str) -> None:
        self.client.delete(self._key(key))


class Store(Protocol):
    name: str

    def acquire(self, key: str, cfg: Config, now: float, lease: float) -> Acquired: ...
    def record(self, key: str, cfg: Config, outcome: str, now: float) -> Recorded: ...
    def read(self, key: str) -> Row: ...
    def reset(self, key: str) -> None: ...


class FallbackStore:
    """Redis while it answers; this process's memory for a while after it does not."""

    def __init__(self, redis: RedisStore, memory: MemoryStore, retry_seconds: float) -> None:
        self.redis, self.memory, self.retry_seconds = redis, memory, retry_seconds
        self._down_until = 0.0  # monotonic time until which this process does not try Redis
        self._was_down = False  # to log the recovery once
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return "memory" if self._down() else "redis"

    def _down(self) -> bool:
        return time.monotonic() < self._down_until

    def _run(self, operation: str, *args):
        if not self._down():
            try:
                result = getattr(self.redis, operation)(*args)
            except RedisError as error:
                with self._lock:
                    first = not self._was_down
                    self._down_until = time.monotonic() + self.retry_seconds
                    self._was_down = True
                if first:  # once per outage, not once per retry period
                    log.error("circuit_breaker_store_unavailable", error=str(error)[:200], fallback="memory")
                _count_fallback()
            else:
                if self._was_down:
                    self._was_down = False
                    log.info("circuit_breaker_store_recovered")
                return result
        self._was_down = True
        return getattr(self.memory, operation)(*args)

    def acquire(self, key: str, cfg: Config, now: float, lease: float) -> Acquired:
        return self._run("acquire", key, cfg, now, lease)

    def record(self, key: str, cfg: Config, outcome: str, now: float) -> Recorded:
        return self._run("record", key, cfg, outcome, now)

    def read(self, key: str) -> Row:
        return self._run("read", key)

    def reset(self, key: str) -> None:
        self._run("reset", key)


def _count_fallback() -> None:
    safely(BREAKER_STORE_FALLBACKS.inc)


_memory = MemoryStore()
_current: tuple[tuple, Store] | None = None
_lock = threading.Lock()


def current() -> Store:
    """The store for this process's settings (rebuilt when they change, e.g. under test settings)."""
    global _current
    url = settings.BREAKER_REDIS_URL
    signature = (url, float(settings.BREAKER_REDIS_TIMEOUT), settings.BREAKER_KEY_PREFIX)
    cached = _current
    if cached is not None and cached[0] == signature:
        return cached[1]
    with _lock:
        if _current is None or _current[0] != signature:
            store: Store = _memory
            if url:
                redis = RedisStore(url, signature[1], signature[2])
                store = FallbackStore(redis, _memory, float(settings.BREAKER_REDIS_RETRY_SECONDS))
            _current = (signature, store)
        return _current[1]


def reset_everywhere(*keys: str) -> None:
    """Forget ``keys`` in the shared store (when it answers) and in this process's memory."""
    store = current()
    if isinstance(store, FallbackStore):
        with contextlib.suppress(RedisError):
            store.redis.client.delete(*(store.redis._key(key) for key in keys))
        store._down_until = 0.0
        store._was_down = False
    for key in keys:
        _memory.reset(key)
