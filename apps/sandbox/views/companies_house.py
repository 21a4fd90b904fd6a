"""Companies House public data API: GET /company/{company_number} (docs/contracts/hmrc-vat-api.md, Companies House).

Basic authentication with the API key as user name and an empty password;
the key is ``apps.integrations.companies_house.api_key()``. Company numbers are
matched case-sensitively (prefix case is UNCONFIRMED: the safer reading
makes clients send upper case).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import time

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from apps.integrations.companies_house import api_key
from apps.sandbox import selectors
from apps.sandbox.responses import CH_FAULTS, json_response
from apps.sandbox.services.faults import apply_faults

UNAUTHORISED = {"error": "Invalid Authorization", "type": "ch:service"}
NOT_FOUND = {"errors": [{"type": "ch:service", "error": "company-profile-not-found"}]}
RATE_LIMIT = 600
WINDOW_SECONDS = 300


def _key_ok(request: HttpRequest) -> bool:
    scheme, _, value = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "basic" or not value:
        return False
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    user, sep, password = decoded.partition(":")

    return bool(sep) and password == "" and hmac.compare_digest(user.encode(), api_key().encode())


def _rate_headers(response: HttpResponse, remaining: int) -> HttpResponse:
    response["X-Ratelimit-Limit"] = str(RATE_LIMIT)
    response["X-Ratelimit-Remain"] = str(remaining)
    response["X-Ratelimit-Reset"] = str(int(time.time()) + WINDOW_SECONDS)
    return response


@require_GET
def company_profile(request: HttpRequest, company_number: str) -> HttpResponse:
    fault = apply_faults("companies_house")
    if fault:
        status, body = CH_FAULTS[fault]
        response = json_response(status, body) if body is not None else HttpResponse(status=status)
        return _rate_headers(response, 0) if fault == "rate_limited" else response
    if not _key_ok(request):
        return json_response(401, UNAUTHORISED)
    profile = selectors.company_profile(company_number)
    if profile is None:
        return _rate_headers(json_response(404, NOT_FOUND), RATE_LIMIT - 1)
    return _rate_headers(json_response(200, profile), RATE_LIMIT - 1)
