"""Structured logs: every line carries the request id (and tenant, user) and never a secret.

structlog formats the standard library's records too, so Django's, Celery's
and our own log lines share one shape (JSON in production). The request id
travels into the Celery tasks a request causes as a message header, so a
worker's lines join the request's.
"""

from __future__ import annotations

import logging
from typing import Any

import structlog

REQUEST_ID_HEADER = "strongroom_request_id"
SECRET_KEY_PARTS = ("password", "secret", "token", "authorization", "cookie", "otp", "api_key", "sessionid")
REDACTED = "[redacted]"


def add_trace_ids(logger: Any, method: str, event: dict[str, Any]) -> dict[str, Any]:
    """trace_id and span_id of the active span, so a log line leads to its trace."""
    from apps.observability.tracing import current_ids

    event.update(current_ids())
    return event


def redact_secrets(logger: Any, method: str, event: dict[str, Any]) -> dict[str, Any]:
    """Drop the values of keys that look like secrets, whoever logged them."""
    for key in list(event):
        if any(part in key.lower() for part in SECRET_KEY_PARTS):
            event[key] = REDACTED
    return event


SHARED_PROCESSORS = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.ExtraAdder(),
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    add_trace_ids,
    redact_secrets,
]


def logging_config(*, level: str, json: bool) -> dict[str, Any]:
    """The dictConfig for settings.LOGGING."""
    # Plain tracebacks on the console: structlog would otherwise render them with rich (syntax-highlighted
    # boxes) whenever rich happens to be installed, at ~25 ms per logged exception (the URL fuzz logs thousands).
    renderer = (
        structlog.processors.JSONRenderer()
        if json
        else structlog.dev.ConsoleRenderer(colors=False, exception_formatter=structlog.dev.plain_traceback)
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structured": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": [structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
                "foreign_pre_chain": SHARED_PROCESSORS,
            }
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "axes": {"level": "WARNING"},
            # pypdf logs every oddity of a damaged PDF; the upload validator reports it to the user instead.
            "pypdf": {"level": "ERROR"},
        },
    }


def configure_structlog() -> None:
    structlog.configure(
        processors=[*SHARED_PROCESSORS, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def bind(**values: Any) -> None:
    structlog.contextvars.bind_contextvars(**{k: v for k, v in values.items() if v not in (None, "")})


def clear() -> None:
    structlog.contextvars.clear_contextvars()


def current_request_id() -> str:
    return str(structlog.contextvars.get_contextvars().get("request_id", ""))


# --- Celery: carry the request id into the tasks a request causes ---------------------------------


def add_request_id_header(headers: dict | None = None, **kwargs) -> None:
    request_id = current_request_id()
    if headers is not None and request_id:
        headers[REQUEST_ID_HEADER] = request_id


def bind_task_context(task_id: str | None = None, task=None, kwargs: dict | None = None, **extra) -> None:
    request = getattr(task, "request", None)
    if getattr(request, "is_eager", False):
        # In-process (the demo, tests): keep the surrounding request's context, add the task's.
        bind(task=getattr(task, "name", ""), task_id=task_id)
        return
    headers = getattr(request, "headers", None) or {}
    request_id = getattr(request, REQUEST_ID_HEADER, None) or headers.get(REQUEST_ID_HEADER)
    clear()
    bind(request_id=request_id or f"task-{task_id}", task=getattr(task, "name", ""), task_id=task_id,
         tenant=(kwargs or {}).get("tenant_id"))  # fmt: skip


def clear_task_context(task=None, **kwargs) -> None:
    if getattr(getattr(task, "request", None), "is_eager", False):
        structlog.contextvars.unbind_contextvars("task", "task_id")
        return
    clear()


def connect_celery_signals() -> None:
    from celery.signals import before_task_publish, task_postrun, task_prerun

    before_task_publish.connect(add_request_id_header, weak=False, dispatch_uid="strongroom.request_id_header")
    task_prerun.connect(bind_task_context, weak=False, dispatch_uid="strongroom.bind_task_context")
    task_postrun.connect(clear_task_context, weak=False, dispatch_uid="strongroom.clear_task_context")


logging.captureWarnings(True)
