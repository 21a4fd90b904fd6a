"""The one way out to external APIs: a shared session, explicit timeouts, metrics and safe logs.

Why one module-level ``requests.Session``: connection pooling across calls,
and a single place where tests mount an in-process transport for the local
sandbox (``tests/sandbox_transport.py``). Why ``call`` takes an optional
``handle``: the outcome recorded in the metrics is what the caller
experienced (a 404 that the Companies House client turns into
CompanyNotFound is "rejected"; an HMRC 404 that means "no obligations" can be
"ok"), so parsing runs inside the measured block.

Log lines name the client, operation, method, host and path, status,
outcome and duration, and HMRC's correlation id. Never headers, bodies or
query strings: those carry tokens, secrets and codes.

Resilience (decision 0016), in this order for every call: tenacity retries
(safe calls only: GET/HEAD, or ``idempotent=True``; never the VAT return POST,
whose retries the filing service schedules) with full-jitter exponential
backoff, a bounded number of attempts and a deadline after which no attempt
starts; OUTSIDE each attempt's circuit breaker (``breakers``: an open breaker
raises CircuitOpen, which is never retried); then, for HMRC, the
application-wide rate budget (``hmrc.rate_limit``); then the request with
its explicit timeouts. A 429 is honoured (its Retry-After is the wait) when
it is short enough, and never counts against the breaker.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
import structlog
from django.conf import settings
from django.utils import timezone
from tenacity import RetryCallState, Retrying, retry_if_exception, wait_random_exponential

from apps.integrations import breakers
from apps.integrations.breakers import CircuitOpen
from apps.integrations.errors import (
    CompanyNotFound,
    ExternalServiceUnavailable,
    HmrcNotConnected,
    HmrcRejected,
    IntegrationError,
    RateLimited,
)
from apps.integrations.hmrc import rate_limit
from apps.integrations.signals import dependency_answered
from apps.observability.metrics import EXTERNAL_CALL_DURATION, EXTERNAL_CALLS, safely

log = structlog.get_logger("strongroom.integrations")

T = TypeVar("T")

OUTCOMES = ("ok", "rejected", "unavailable", "rate_limited", "timeout", "error", "circuit_open")
SERVICE_NAMES = {"hmrc": "HMRC", "hmrc_oauth": "HMRC", "companies_house": "Companies House", "bank_feed": "The bank"}
# Each client's breaker (HMRC's OAuth endpoint is HMRC); a client not listed (tests' fakes) has none.
BREAKER_KEYS = {"hmrc": "hmrc", "hmrc_oauth": "hmrc", "companies_house": "companies_house", "bank_feed": "bank_feed"}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_session: requests.Session | None = None
_lock = threading.Lock()


def session() -> requests.Session:
    """The process-wide session (created on first use)."""
    global _session
    if _session is None:
        with _lock:
            if _session is None:
                s = requests.Session()
                s.headers["User-Agent"] = f"{settings.VENDOR_PRODUCT_NAME}/{settings.VENDOR_VERSION}"
                _session = s
    return _session


def timeouts() -> tuple[float, float]:
    """(connect, read) seconds from settings: no call may wait forever."""
    return (float(settings.EXTERNAL_CONNECT_TIMEOUT), float(settings.EXTERNAL_READ_TIMEOUT))


def retry_after_seconds(response: requests.Response) -> float | None:
    """Retry-After as seconds (delta-seconds or an HTTP date), or None when absent or garbled.

    Companies House sends no Retry-After but X-Ratelimit-Reset (Unix seconds): used when present.
    """
    value = (response.headers.get("Retry-After") or "").strip()
    if not value:
        reset = (response.headers.get("X-Ratelimit-Reset") or "").strip()
        if reset.isdigit():
            return max(0.0, int(reset) - timezone.now().timestamp())
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, (when - timezone.now()).total_seconds())


def error_code(response: requests.Response) -> str:
    """The machine-readable code of an error body, when it has one (HMRC shape or OAuth shape)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    code = body.get("code") or body.get("error")
    return code if isinstance(code, str) else ""


def raise_for_availability(response: requests.Response, client: str) -> None:
    """429 → RateLimited, 5xx → ExternalServiceUnavailable; anything else is the caller's to read."""
    service = SERVICE_NAMES.get(client, client)
    if response.status_code == 429:
        raise RateLimited(
            code=error_code(response) or "MESSAGE_THROTTLED_OUT",
            service=service,
            retry_after=retry_after_seconds(response),
        )
    if response.status_code >= 500:
        raise ExternalServiceUnavailable(code=error_code(response) or f"HTTP_{response.status_code}", service=service)


def _outcome(exc: BaseException | None, status: int | None) -> str:
    if exc is None:
        return "ok" if status is None or status < 400 else "rejected"
    if isinstance(exc, CircuitOpen):
        return "circuit_open"
    if isinstance(exc, RateLimited):
        return "rate_limited"
    if isinstance(exc, ExternalServiceUnavailable):
        return "timeout" if exc.code == "TIMEOUT" else "unavailable"
    if isinstance(exc, HmrcRejected | HmrcNotConnected | CompanyNotFound):
        return "rejected"
    if isinstance(exc, IntegrationError) and not exc.retryable:
        return "rejected"
    return "error"


def _safe_target(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _pause(seconds: float) -> None:
    time.sleep(seconds)


def _now() -> float:
    return time.monotonic()


def _retryable(exc: BaseException) -> bool:
    """Outages and timeouts are retried; an open breaker never; a 429 only when it asks for a short wait."""
    if isinstance(exc, CircuitOpen) or not isinstance(exc, ExternalServiceUnavailable):
        return False
    if isinstance(exc, RateLimited):
        return exc.retry_after is not None and exc.retry_after <= float(settings.EXTERNAL_RETRY_MAX_WAIT)
    return True


def _wait(state: RetryCallState) -> float:
    exc = state.outcome.exception() if state.outcome is not None else None
    if isinstance(exc, RateLimited) and exc.retry_after is not None:
        return float(exc.retry_after)
    backoff = wait_random_exponential(
        multiplier=float(settings.EXTERNAL_RETRY_BACKOFF), max=float(settings.EXTERNAL_RETRY_MAX_WAIT)
    )
    return backoff(state)


def call(
    client: str,
    operation: str,
    method: str,
    url: str,
    *,
    handle: Callable[[requests.Response], T] | None = None,
    timeout: tuple[float, float] | None = None,
    idempotent: bool | None = None,
    **kwargs: Any,
) -> Any:
    """Send one request (retried when safe) and return ``handle(response)`` (or the response when no handler).

    Transport failures become ExternalServiceUnavailable (code "TIMEOUT" or
    "CONNECTION_FAILED"); 429 and 5xx become RateLimited and
    ExternalServiceUnavailable before ``handle`` sees the response; an open
    breaker raises CircuitOpen before anything is sent. ``idempotent``
    (default: the method is GET, HEAD or OPTIONS) allows retries. ``kwargs``
    go to ``requests`` (headers, params, data, json, auth).
    """
    safe = method.upper() in SAFE_METHODS if idempotent is None else idempotent
    attempts = max(1, int(settings.EXTERNAL_RETRY_ATTEMPTS)) if safe else 1
    if attempts == 1:
        return _attempt(client, operation, method, url, handle, timeout, kwargs)
    deadline = float(settings.EXTERNAL_RETRY_DEADLINE)
    started = _now()

    def stop(state: RetryCallState) -> bool:  # no attempt starts after the deadline
        return state.attempt_number >= attempts or (_now() - started) + state.upcoming_sleep > deadline

    def before_sleep(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome is not None else None
        log.info("external_call_retry", client=client, operation=operation, attempt=state.attempt_number,
                 wait_seconds=round(state.upcoming_sleep, 3), error_code=getattr(error, "code", ""))  # fmt: skip

    retrying = Retrying(
        stop=stop,
        wait=_wait,
        retry=retry_if_exception(_retryable),
        sleep=lambda seconds: _pause(seconds),
        before_sleep=before_sleep,
        reraise=True,
    )
    return retrying(_attempt, client, operation, method, url, handle, timeout, kwargs)


def _send(client: str, method: str, url: str, timeout: tuple[float, float] | None, kwargs: dict) -> requests.Response:
    service = SERVICE_NAMES.get(client, client)
    try:
        response = session().request(method, url, timeout=timeout or timeouts(), allow_redirects=False, **kwargs)
    except requests.Timeout as error:
        raise ExternalServiceUnavailable(
            f"{service} did not answer in time. Please try again in a few minutes.", code="TIMEOUT", service=service
        ) from error
    except requests.ConnectionError as error:
        raise ExternalServiceUnavailable(code="CONNECTION_FAILED", service=service) from error
    except requests.RequestException as error:
        raise IntegrationError(f"Could not send the request to {service}.", code="REQUEST_FAILED") from error
    return response


def _attempt(
    client: str,
    operation: str,
    method: str,
    url: str,
    handle: Callable[[requests.Response], T] | None,
    timeout: tuple[float, float] | None,
    kwargs: dict,
) -> Any:
    """One attempt: the breaker's permission, HMRC's rate slot, the request; measured and logged."""
    key = BREAKER_KEYS.get(client)
    started = time.monotonic()
    status: int | None = None
    correlation_id = ""
    exc: BaseException | None = None
    try:
        if key is not None:
            breakers.acquire(key)  # CircuitOpen: nothing is sent
        try:
            if key == "hmrc":
                rate_limit.reserve_slot()
                started = time.monotonic()  # the wait for a slot is not the service's latency
            response = _send(client, method, url, timeout, kwargs)
            status = response.status_code
            correlation_id = response.headers.get("X-CorrelationId", "")
            raise_for_availability(response, client)
        except BaseException as error:
            if key is not None:
                breakers.record(key, breakers.classify(error))
            raise
        if key is not None:
            breakers.record(key, "success")  # an answer, even a 4xx: the handler's verdict is not the service's health
        return handle(response) if handle is not None else response
    except BaseException as error:
        exc = error
        raise
    finally:
        elapsed = time.monotonic() - started
        outcome = _outcome(exc, status if handle is None else None)
        safely(lambda: EXTERNAL_CALLS.labels(client, operation, outcome).inc())
        safely(lambda: EXTERNAL_CALL_DURATION.labels(client, operation).observe(elapsed))
        fields = {
            "client": client,
            "operation": operation,
            "method": method,
            "target": _safe_target(url),
            "status": status,
            "outcome": outcome,
            "duration_ms": round(elapsed * 1000, 1),
        }
        if correlation_id:
            fields["hmrc_correlation_id"] = correlation_id
        if exc is not None and isinstance(exc, IntegrationError):
            fields["error_code"] = exc.code
        (log.info if outcome == "ok" else log.warning)("external_call", **fields)
        if status is not None and not isinstance(exc, ExternalServiceUnavailable):
            safely(lambda: dependency_answered.send(sender=client, client=client))  # the service is back
