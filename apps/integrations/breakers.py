"""Circuit breakers around the external services, one per dependency, state shared by every process.

CONTRACT (session 5): this module's public names are what the rest of the product
codes against; their bodies are being built (issue #17). Until then every breaker
reads as closed and ``guarded`` simply calls through.

Keys are the dependency keys of ``apps.monitors.banners.DEPENDENCIES`` minus "ocr":
``hmrc``, ``companies_house``, ``bank_feed``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, TypeVar

from apps.integrations.errors import ExternalServiceUnavailable

T = TypeVar("T")
State = Literal["closed", "open", "half_open"]
KEYS = ("hmrc", "companies_house", "bank_feed")


class CircuitOpen(ExternalServiceUnavailable):
    """The dependency's breaker is open: nothing was sent. Work that must happen is parked, not retried."""

    code = "CIRCUIT_OPEN"

    def __init__(self, key: str, *, service: str = "", retry_in: float | None = None) -> None:
        self.key = key
        self.retry_in = retry_in
        super().__init__(code=self.code, service=service)


def state(key: str) -> State:
    """The breaker's state as every process sees it."""
    return "closed"


def is_open(key: str) -> bool:
    """True while calls to ``key`` are refused (open and its reset timeout not yet elapsed)."""
    return state(key) == "open"


def guarded(key: str, fn: Callable[..., T], *args, **kwargs) -> T:
    """Call ``fn`` through ``key``'s breaker (raises CircuitOpen without calling when open)."""
    return fn(*args, **kwargs)
