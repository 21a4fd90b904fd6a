"""The provider: one backend behind a TTL cache with a bounded stale-on-error grace, then fail closed.

Why a cache: settings and integrations read credentials on every call, and a
secrets server is a network hop. Why a TTL rather than forever: a rotation is
picked up by every process within ``ttl`` seconds without a restart. Why a
grace: a short Vault or AWS outage should not take the portal down when the
last good value is minutes old; after ``ttl + grace`` the value is too old to
trust and the read fails with :class:`SecretUnavailable` (fail closed).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from apps.security_center.secrets.base import (
    Backend,
    SecretBackendError,
    SecretNotFound,
    SecretRecord,
    SecretUnavailable,
)
from apps.security_center.secrets.metrics import SECRET_FETCHES, count

logger = logging.getLogger(__name__)


@dataclass
class _Entry:
    record: SecretRecord | None  # None: the backend said there is no such secret
    fetched_at: float


class SecretsProvider:
    """Thread-safe; one per process (see :func:`apps.security_center.secrets.get_provider`)."""

    def __init__(
        self, backend: Backend, *, ttl: float = 300.0, grace: float = 900.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.backend = backend
        self.ttl = float(ttl)
        self.grace = float(grace)
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: dict[str, _Entry] = {}

    def __repr__(self) -> str:
        return f"SecretsProvider(backend={self.backend.kind}, ttl={self.ttl:g}, grace={self.grace:g})"

    def record(self, name: str) -> SecretRecord:
        """The secret's current and previous versions, from the cache when fresh."""
        now = self._clock()
        with self._lock:
            entry = self._cache.get(name)
        if entry is not None and now - entry.fetched_at < self.ttl:
            if entry.record is None:
                raise SecretNotFound(f"secret {name!r} is not in the {self.backend.kind} backend")
            return entry.record
        try:
            record = self.backend.read(name)
        except SecretNotFound:
            count(SECRET_FETCHES, secret=name, outcome="missing")
            with self._lock:
                self._cache[name] = _Entry(None, now)
            raise
        except SecretBackendError as exc:
            if entry is not None and entry.record is not None and now - entry.fetched_at < self.ttl + self.grace:
                count(SECRET_FETCHES, secret=name, outcome="stale")
                logger.warning(
                    "secret %s: %s backend unreachable, serving the value fetched %.0f s ago (%s)",
                    name,
                    self.backend.kind,
                    now - entry.fetched_at,
                    exc.message,
                )
                return entry.record
            count(SECRET_FETCHES, secret=name, outcome="unavailable")
            logger.error(
                "secret %s: %s backend unreachable and no fresh value: failing closed", name, self.backend.kind
            )
            raise SecretUnavailable(
                f"secret {name!r} is unavailable: the {self.backend.kind} backend cannot be read "
                f"and no value fetched in the last {self.ttl + self.grace:g} s is held"
            ) from None
        count(SECRET_FETCHES, secret=name, outcome="ok")
        with self._lock:
            self._cache[name] = _Entry(record, now)
        return record

    def get(self, name: str) -> str:
        """The current value."""
        return self.record(name).current.value

    def get_optional(self, name: str) -> str | None:
        """The current value, or None when the backend holds no such secret (unavailability still raises)."""
        try:
            return self.get(name)
        except SecretNotFound:
            return None

    def forget(self, name: str | None = None) -> None:
        """Drop one cached secret (after this process rotated it) or all of them."""
        with self._lock:
            if name is None:
                self._cache.clear()
            else:
                self._cache.pop(name, None)

    def cached_records(self) -> list[SecretRecord]:
        """What this process holds now (for the age gauge; no backend call)."""
        with self._lock:
            return [e.record for e in self._cache.values() if e.record is not None]
