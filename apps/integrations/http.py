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

from apps.integrations.errors import (
    CompanyNotFound,
    ExternalServiceUnavailable,
    HmrcNotConnected,
    HmrcRejected,
    IntegrationError,
    RateLimited,
)
from apps.integrations.signals import dependency_answered
from apps.observability.metrics import EXTERNAL_CALL_DURATION, EXTERNAL_CALLS, safely

log = structlog.get_logger("strongroom.integrations")

T = TypeVar("T")

OUTCOMES = ("ok", "rejected", "unavailable", "rate_limited", "timeout", "error")
SERVICE_NAMES = {"hmrc": "HMRC", "hmrc_oauth": "HMRC", "companies_house": "Companies House", "bank_feed": "The bank"}

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


def call(
    client: str,
    operation: str,
    method: str,
    url: str,
    *,
    handle: Callable[[requests.Response], T] | None = None,
    timeout: tuple[float, float] | None = None,
    **kwargs: Any,
) -> Any:
    """Send one request and return ``handle(response)`` (or the response when no handler).

    Transport failures become ExternalServiceUnavailable (code "TIMEOUT" or
    "CONNECTION_FAILED"); 429 and 5xx become RateLimited and
    ExternalServiceUnavailable before ``handle`` sees the response. ``kwargs``
    go to ``requests`` (headers, params, data, json, auth).
    """
    service = SERVICE_NAMES.get(client, client)
    started = time.monotonic()
    status: int | None = None
    correlation_id = ""
    exc: BaseException | None = None
    try:
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
        status = response.status_code
        correlation_id = response.headers.get("X-CorrelationId", "")
        raise_for_availability(response, client)
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
