"""Correlation id for every request: taken from X-Request-ID or generated, echoed back."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from apps.observability import logging as logs
from apps.observability.context import RequestInfo, request_info

_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def client_ip(request: HttpRequest) -> str | None:
    # Behind a proxy, the proxy must set REMOTE_ADDR correctly (e.g. gunicorn's
    # --forwarded-allow-ips); we never trust X-Forwarded-For from clients.
    return request.META.get("REMOTE_ADDR") or None


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        info = RequestInfo(
            request_id=request_id,
            ip_address=client_ip(request),
            user_agent=request.headers.get("User-Agent", "")[:300],
        )
        logs.clear()
        logs.bind(request_id=request_id)
        try:
            with request_info(info):
                response = self.get_response(request)
        finally:
            logs.clear()
        response["X-Request-ID"] = request_id
        return response


class LogContextMiddleware:
    """After authentication: the signed-in user's id joins the request's log lines."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            logs.bind(user=str(user.pk))
        return self.get_response(request)
