"""The API's one error mapping: every refusal answers ``{"message", "code", "extra"}`` with its status.

Set as DRF's ``EXCEPTION_HANDLER``. It turns our ``ApplicationError``s,
Django's ``ValidationError``, ``Http404`` and ``PermissionDenied`` and DRF's
own exceptions (authentication, throttling, parsing, serializer validation)
into one JSON shape, so API clients read one format whatever refused them.
``detail`` repeats ``message`` for clients written against the earlier
``{"code", "detail"}`` answers. Imports only Django, DRF and ``apps.core``.
"""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from apps.core.errors import ApplicationError, NotAllowed, NotFound


def error_body(message: str, code: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON body of every API refusal (also used by the page mapping for ``/api/`` paths)."""
    return {"message": message, "code": code, "extra": dict(extra or {}), "detail": message}


def retry_after_header(seconds: float | None) -> dict[str, str]:
    return {"Retry-After": str(max(math.ceil(seconds), 1))} if seconds else {}


def as_application_error(exc: BaseException) -> ApplicationError | None:
    """Django's own refusals as ApplicationErrors (None for anything else)."""
    if isinstance(exc, ApplicationError):
        return exc
    if isinstance(exc, Http404):
        return NotFound(str(exc) or None)
    if isinstance(exc, PermissionDenied):
        return NotAllowed(str(exc) or None)
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {}
        return ApplicationError(" ".join(exc.messages) or None, extra={"fields": fields} if fields else None)
    return None


def _text(detail: Any) -> str:
    return " ".join(_text(item) for item in detail) if isinstance(detail, list) else str(detail)


def _code(detail: Any, default: str) -> str:
    if isinstance(detail, list):
        return _code(detail[0], default) if detail else default
    return getattr(detail, "code", None) or default


def _from_drf(exc: drf.APIException, response: Response) -> dict[str, Any]:
    data = response.data
    if isinstance(data, dict) and set(data) == {"detail"}:
        detail = data["detail"]
        return error_body(_text(detail), _code(detail, exc.default_code))
    # Serializer validation: the per-field messages go in ``extra``.
    return error_body("Some of the data sent is not valid.", "invalid", {"fields": data})


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's ``EXCEPTION_HANDLER``: one JSON shape for every refusal; None (a 500) for anything else."""
    error = as_application_error(exc)
    if error is not None:
        set_rollback()
        headers = retry_after_header(error.retry_after)
        return Response(error_body(error.message, error.code, error.extra), status=error.status, headers=headers)
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, drf.APIException):
        return response
    response.data = _from_drf(exc, response)
    return response
