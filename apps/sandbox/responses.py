"""Response helpers: JSON with exact decimals, HMRC's correlation header, the services' error bodies."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal

from django.http import HttpResponse


def dumps(value) -> str:
    """JSON where Decimal amounts stay exact numbers (``1250.00`` → ``1250``, ``100.10`` → ``100.1``)."""
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k))}:{dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(dumps(v) for v in value) + "]"
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return "0" if text in {"-0", "0"} else text
    return json.dumps(value)


def json_response(status: int, body, *, content_type: str = "application/json") -> HttpResponse:
    return HttpResponse(dumps(body), status=status, content_type=content_type)


def hmrc_response(status: int, body=None, **headers: str) -> HttpResponse:
    """An HMRC API answer: JSON (or empty) with X-CorrelationId (docs/contracts/hmrc-vat-api.md, Headers)."""
    response = json_response(status, body) if body is not None else HttpResponse(status=status)
    if body is None:
        del response["Content-Type"]  # 404 on view-return: empty body, no Content-Type (see View return)
    response["X-CorrelationId"] = str(uuid.uuid4())
    response["X-Content-Type-Options"] = "nosniff"
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


THROTTLED = {
    "code": "MESSAGE_THROTTLED_OUT",
    "message": "The request for the API is throttled as you have exceeded your quota.",  # wording UNCONFIRMED
}
HMRC_FAULTS = {
    # A gateway-level outage: vat-api's own 503 body (docs/contracts/hmrc-vat-api.md, Platform).
    # The platform may answer SERVER_ERROR or SCHEDULED_MAINTENANCE instead; clients must key on the status.
    "outage": (503, {"code": "SERVICE_UNAVAILABLE", "message": "Internal server error"}),
    # 429 body: only {"code":"MESSAGE_THROTTLED_OUT"} has been observed; a message and a Retry-After header are
    # UNCONFIRMED, so the safer reading sends no Retry-After: clients must back off without one.
    "rate_limited": (429, THROTTLED),
    "error": (500, {"code": "INTERNAL_SERVER_ERROR", "message": "An internal server error occurred"}),
}
OAUTH_FAULTS = {
    "outage": (503, {"error": "server_error", "error_description": "service unavailable"}),
    "rate_limited": (429, THROTTLED),
    "error": (500, {"error": "server_error", "error_description": "internal server error"}),
}
CH_FAULTS = {
    "outage": (503, {"errors": [{"type": "ch:service", "error": "service-unavailable"}]}),
    # Companies House's 429 body is UNCONFIRMED (reportedly none; docs/contracts/hmrc-vat-api.md,
    # Unconfirmed): send none, with the rate-limit headers.
    "rate_limited": (429, None),
    "error": (500, {"errors": [{"type": "ch:service", "error": "internal-server-error"}]}),
}
BANK_FAULTS = {
    "outage": (503, {"error": {"code": "service_unavailable", "message": "The bank feed is unavailable."}}),
    "rate_limited": (429, {"error": {"code": "rate_limited", "message": "Too many requests; retry later."}}),
    "error": (500, {"error": {"code": "internal_error", "message": "An internal error occurred."}}),
}
