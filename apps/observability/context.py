"""Per-request (or per-task) facts that logs and audit events carry.

A context variable rather than a ``request`` argument threaded through every
service, because services also run in Celery tasks where there is no request.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestInfo:
    request_id: str = ""
    ip_address: str | None = None
    user_agent: str = ""


_EMPTY = RequestInfo()
_info: ContextVar[RequestInfo | None] = ContextVar("strongroom_request_info", default=None)


def current_request_info() -> RequestInfo:
    return _info.get() or _EMPTY


@contextmanager
def request_info(info: RequestInfo) -> Iterator[RequestInfo]:
    token = _info.set(info)
    try:
        yield info
    finally:
        _info.reset(token)
