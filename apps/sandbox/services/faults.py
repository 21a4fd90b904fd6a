"""Fault injection for the sandboxed services, switchable at run time.

Tests, synthetic monitors, chaos experiments, the ``sandbox_fault`` command and
the staff page at /sandbox/ all switch faults through :func:`set_fault` and
:func:`clear_faults`. The switches live in the sandbox's own table, so every
web process sees them; each process caches what it read for
``SANDBOX_FAULT_CACHE_SECONDS`` (default 2 s; 0 under the test settings, so a
rolled-back test never leaves a fault behind in the cache).

What each mode does to every request of that service (applied in this order):

* latency_ms: sleep that long first, then carry on (so it combines with the rest);
* outage: 503 with the service's "unavailable" body;
* rate_limited: 429 (HMRC: MESSAGE_THROTTLED_OUT);
* error_rate: a 500 with that probability, drawn from an injectable random source
  (:func:`set_random_source`) so tests are deterministic.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from apps.sandbox.models import Fault
from apps.sandbox.routers import db_alias

SERVICES = tuple(Fault.Service.values)


class UnknownService(ValueError):
    pass


@dataclass(frozen=True)
class FaultState:
    outage: bool = False
    latency_ms: int = 0
    error_rate: float = 0.0
    rate_limited: bool = False

    @property
    def active(self) -> bool:
        return self.outage or self.rate_limited or self.latency_ms > 0 or self.error_rate > 0


NO_FAULT = FaultState()

_lock = threading.Lock()
_cache: dict[str, tuple[float, FaultState]] = {}
_random: random.Random = random.Random()  # noqa: S311  (chaos, not cryptography)
sleep = time.sleep  # replaced in tests, which assert the requested delay instead of waiting


def _check(service: str) -> None:
    if service not in SERVICES:
        raise UnknownService(f"Unknown sandbox service {service!r}; use one of {', '.join(SERVICES)}.")


def _cache_seconds() -> float:
    return float(settings.SANDBOX_FAULT_CACHE_SECONDS)


def _forget(service: str | None = None) -> None:
    with _lock:
        if service is None:
            _cache.clear()
        else:
            _cache.pop(service, None)


def set_fault(
    service: str,
    *,
    outage: bool = False,
    latency_ms: int = 0,
    error_rate: float = 0.0,
    rate_limited: bool = False,
    updated_by: str = "",
) -> None:
    """Replace the service's faults with exactly these (unspecified modes are switched off)."""
    _check(service)
    if latency_ms < 0 or latency_ms > 120_000:
        raise ValueError("latency_ms must be between 0 and 120000")
    if not 0.0 <= error_rate <= 1.0:
        raise ValueError("error_rate must be between 0 and 1")
    with transaction.atomic(using=db_alias()):
        Fault.objects.update_or_create(
            service=service,
            defaults={
                "outage": outage,
                "latency_ms": int(latency_ms),
                "error_rate": float(error_rate),
                "rate_limited": rate_limited,
                "updated_by": updated_by[:200],
            },
        )
    _forget(service)


def clear_faults(service: str | None = None) -> None:
    """Switch off every fault of one service, or of all services."""
    if service is not None:
        _check(service)
    rows = Fault.objects.all() if service is None else Fault.objects.filter(service=service)
    rows.delete()
    _forget(service)


def current_faults(service: str) -> FaultState:
    """The service's faults, from the per-process cache when fresh enough."""
    _check(service)
    ttl = _cache_seconds()
    now = time.monotonic()
    if ttl > 0:
        with _lock:
            cached = _cache.get(service)
        if cached and now - cached[0] < ttl:
            return cached[1]
    row = Fault.objects.filter(service=service).first()
    state = (
        FaultState(
            outage=row.outage, latency_ms=row.latency_ms, error_rate=row.error_rate, rate_limited=row.rate_limited
        )
        if row
        else NO_FAULT
    )
    if ttl > 0:
        with _lock:
            _cache[service] = (now, state)
    return state


def all_faults() -> dict[str, FaultState]:
    return {service: current_faults(service) for service in SERVICES}


def set_random_source(source: random.Random | None) -> None:
    """Tests pass ``random.Random(seed)``; None restores an unseeded source."""
    global _random
    _random = source or random.Random()  # noqa: S311


def draw_error(rate: float) -> bool:
    return rate > 0 and _random.random() < rate


def apply_faults(service: str) -> str | None:
    """Sleep for injected latency, then say which failure to answer with: "outage", "rate_limited", "error" or None."""
    state = current_faults(service)
    if not state.active:
        return None
    if state.latency_ms:
        sleep(state.latency_ms / 1000)
    if state.outage:
        return "outage"
    if state.rate_limited:
        return "rate_limited"
    if draw_error(state.error_rate):
        return "error"
    return None
