"""HMRC's VAT (MTD) API v1.0 (docs/contracts/hmrc-vat-api.md), behind a simulated API platform gateway.

Order of checks for every endpoint (the gateway's own order is UNCONFIRMED;
this one reports the most fundamental problem first):

1. routing: unknown path → 404 MATCHING_RESOURCE_NOT_FOUND; a method outside
   GET/PUT/POST/PATCH/DELETE/OPTIONS → 405;
2. injected faults (latency, outage 503, throttling 429, random 500);
3. Accept must be ``application/vnd.hmrc.1.0+json`` → 406 ACCEPT_HEADER_INVALID;
4. bearer token → 401 MISSING_CREDENTIALS / INVALID_CREDENTIALS (unknown,
   revoked or expired after 4 h) / INCORRECT_ACCESS_TOKEN_TYPE (application token);
5. scope (read:vat for GETs, write:vat for submit) → 403 INVALID_SCOPE;
6. (submit) body media type → 415 INVALID_BODY_TYPE, malformed JSON → 400;
7. VRN ``^\\d{9}$`` → 400 VRN_INVALID;
8. the token's VRN must be the path's → 403 CLIENT_OR_AGENT_NOT_AUTHORISED;
9. the endpoint's validation, then Gov-Test-Scenario, then the data.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from apps.sandbox import clock, scenarios, selectors
from apps.sandbox.models import TestOrganisation, Token
from apps.sandbox.responses import HMRC_FAULTS, hmrc_response
from apps.sandbox.services import oauth, returns
from apps.sandbox.services.faults import apply_faults
from apps.sandbox.services.organisations import ensure_organisation
from apps.sandbox.vat_rules import (
    PERIOD_KEY,
    VRN,
    parse_json_body,
    validate_financial_params,
    validate_obligation_params,
)
from apps.sandbox.vat_rules import validate_return as validate_return_body

ACCEPT = re.compile(r"^application/vnd\.hmrc\.(\d\.\d)\+json$")
KNOWN_METHODS = {"GET", "PUT", "POST", "PATCH", "DELETE", "OPTIONS"}
NOT_FOUND_ROUTE = {
    "code": "MATCHING_RESOURCE_NOT_FOUND",
    "message": "A resource with the name in the request can not be found in the API",
}
# Wording of the platform's 401/403 messages is third-party-observed or UNCONFIRMED.
MISSING_CREDENTIALS = {"code": "MISSING_CREDENTIALS", "message": "Authentication information is not provided"}
INVALID_CREDENTIALS = {"code": "INVALID_CREDENTIALS", "message": "Invalid Authentication information provided"}
WRONG_TOKEN_TYPE = {
    "code": "INCORRECT_ACCESS_TOKEN_TYPE",
    "message": "The access token type used is not supported when invoking the API",
}
INVALID_SCOPE = {
    "code": "INVALID_SCOPE",
    "message": "Cannot access the required resource. Ensure this token has all the required scopes.",
}
NOT_AUTHORISED = {"code": "CLIENT_OR_AGENT_NOT_AUTHORISED", "message": "The client and/or agent is not authorised."}
VRN_INVALID = {"code": "VRN_INVALID", "message": "The provided VRN is invalid"}
INVALID_BODY_TYPE = {"code": "INVALID_BODY_TYPE", "message": "Expecting text/json or application/json body"}
SCENARIO_HEADER = "HTTP_GOV_TEST_SCENARIO"

View = Callable[..., HttpResponse]


def _route_error(request: HttpRequest) -> HttpResponse:
    if request.method not in KNOWN_METHODS:
        return hmrc_response(405, {"code": "METHOD_NOT_ALLOWED", "message": "The request method is not allowed"})
    return hmrc_response(404, NOT_FOUND_ROUTE)


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any path under the API base that is not an endpoint."""
    return _route_error(request)


def _accept_ok(request: HttpRequest) -> bool:
    match = ACCEPT.match(request.META.get("HTTP_ACCEPT", "").strip())
    return bool(match) and match.group(1) == "1.0"


def _bearer(request: HttpRequest) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header.strip():
        return None
    scheme, _, value = header.strip().partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def platform_checks(request: HttpRequest, *, method: str, scope: str | None, user_only: bool = True):
    """Checks 1–5 above: the Token on success, else the platform's error response."""
    if request.method != method:
        return _route_error(request)
    fault = apply_faults("hmrc")
    if fault:
        return hmrc_response(*HMRC_FAULTS[fault])
    if not _accept_ok(request):
        return hmrc_response(
            406, {"code": "ACCEPT_HEADER_INVALID", "message": "The accept header is missing or invalid"}
        )
    bearer = _bearer(request)
    if bearer is None:
        return hmrc_response(401, MISSING_CREDENTIALS)
    now = clock.now()
    token = oauth.token_for_bearer(bearer, now=now)
    if token is None:
        return hmrc_response(401, INVALID_CREDENTIALS)
    if user_only and token.kind != Token.Kind.USER:
        return hmrc_response(401, WRONG_TOKEN_TYPE)
    if scope and scope not in token.scopes.split():
        return hmrc_response(403, INVALID_SCOPE)
    request.sandbox_now = now
    return token


def gateway(*, method: str, scope: str) -> Callable[[View], View]:
    """Checks 1–5; the view gets the request, the path's VRN, the token and the other kwargs."""

    def decorator(view: View) -> View:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, vrn: str, **kwargs) -> HttpResponse:
            token = platform_checks(request, method=method, scope=scope)
            if isinstance(token, HttpResponse):
                return token
            return view(request, vrn, token, **kwargs)

        return wrapper

    return decorator


def _authorised(vrn: str, token: Token) -> TestOrganisation | HttpResponse:
    if not VRN.match(vrn):
        return hmrc_response(400, VRN_INVALID)
    if token.vrn != vrn:
        return hmrc_response(403, NOT_AUTHORISED)
    return ensure_organisation(vrn, now=token.issued_at)


def _scenario(request: HttpRequest) -> str | None:
    value = request.META.get(SCENARIO_HEADER)
    return value.strip() if value is not None else None


@gateway(method="GET", scope="read:vat")
def obligations(request: HttpRequest, vrn: str, token: Token) -> HttpResponse:
    org = _authorised(vrn, token)
    if isinstance(org, HttpResponse):
        return org
    query, error = validate_obligation_params(request.GET)
    if error:
        return hmrc_response(error.status, error.body)
    scenario = _scenario(request)
    if scenario is not None:
        return hmrc_response(*scenarios.OBLIGATIONS.get(scenario, scenarios.INCORRECT_SCENARIO))
    today = timezone.localdate(request.sandbox_now)
    items = selectors.filter_obligations(
        selectors.obligations(org, today=today),
        from_date=query.from_date,
        to_date=query.to_date,
        status=query.status,
    )
    if not items:
        return hmrc_response(*scenarios.NOT_FOUND)
    return hmrc_response(200, {"obligations": [o.as_json() for o in items]})


@gateway(method="POST", scope="write:vat")
def submit_return(request: HttpRequest, vrn: str, token: Token) -> HttpResponse:
    if request.content_type not in {"application/json", "text/json"}:
        return hmrc_response(415, INVALID_BODY_TYPE)
    body, error = parse_json_body(request.body)
    if error:
        return hmrc_response(error.status, error.body)
    org = _authorised(vrn, token)
    if isinstance(org, HttpResponse):
        return org
    return _submit(request, org, body, request.sandbox_now)


def _receipt_headers(now: datetime, receipt_id: str) -> dict[str, str]:
    """Receipt-ID and Receipt-Timestamp go on every submit answer after auth, errors included."""
    return {
        "Receipt_ID": receipt_id,
        "Receipt_Timestamp": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _submit(request: HttpRequest, org: TestOrganisation, body, now: datetime) -> HttpResponse:
    headers = _receipt_headers(now, str(uuid.uuid4()))
    values, error = validate_return_body(body)
    if error:
        return hmrc_response(error.status, error.body, **headers)
    scenario = _scenario(request)
    if scenario is not None:
        return hmrc_response(*scenarios.SUBMIT.get(scenario, scenarios.INCORRECT_SCENARIO), **headers)
    try:
        receipt = returns.submit_return(org, values, now=now)
    except returns.DuplicateReturn:
        return hmrc_response(*scenarios.DUPLICATE, **headers)
    except returns.PeriodNotEnded:
        return hmrc_response(*scenarios.PERIOD_NOT_ENDED, **headers)
    headers["Receipt_ID"] = str(receipt.vat_return.receipt_id)
    return hmrc_response(
        201,
        receipt.as_json(),
        **headers,
        Receipt_Signature="This has been deprecated - DO NOT USE",
    )


@gateway(method="GET", scope="read:vat")
def view_return(request: HttpRequest, vrn: str, token: Token, period_key: str) -> HttpResponse:
    org = _authorised(vrn, token)
    if isinstance(org, HttpResponse):
        return org
    if not PERIOD_KEY.match(period_key):
        return hmrc_response(
            400,
            {
                "code": "INVALID_REQUEST",
                "message": "Invalid request",
                "errors": [{"code": "PERIOD_KEY_INVALID", "message": "Invalid period key"}],
            },
        )
    scenario = _scenario(request)
    if scenario is not None:
        return hmrc_response(*scenarios.VIEW.get(scenario, scenarios.INCORRECT_SCENARIO))
    found = selectors.vat_return(org, period_key)
    if found is None:
        return hmrc_response(404)  # empty body, no Content-Type: what vat-api's code does
    return hmrc_response(200, selectors.return_json(found))


def _financial(request: HttpRequest, vrn: str, token: Token, *, kind: str) -> HttpResponse:
    org = _authorised(vrn, token)
    if isinstance(org, HttpResponse):
        return org
    today = timezone.localdate(request.sandbox_now)
    dates, error = validate_financial_params(request.GET, today=today)
    if error:
        return hmrc_response(error.status, error.body)
    from_date, to_date = dates
    scenario = _scenario(request)
    if scenario is not None:
        canned = (scenarios.LIABILITIES if kind == "liabilities" else scenarios.PAYMENTS).get(scenario)
        if canned is None:
            return hmrc_response(*scenarios.FINANCIAL_ERRORS.get(scenario, scenarios.INCORRECT_SCENARIO))
        (start, end), body = canned
        if to_date < start or from_date > end:
            return hmrc_response(*scenarios.NOT_FOUND)
        return hmrc_response(200, body)
    select = selectors.liabilities if kind == "liabilities" else selectors.payments
    items = select(org, from_date=from_date, to_date=to_date, today=today)
    if not items:
        return hmrc_response(*scenarios.NOT_FOUND)
    return hmrc_response(200, {kind: items})


@gateway(method="GET", scope="read:vat")
def liabilities(request: HttpRequest, vrn: str, token: Token) -> HttpResponse:
    return _financial(request, vrn, token, kind="liabilities")


@gateway(method="GET", scope="read:vat")
def payments(request: HttpRequest, vrn: str, token: Token) -> HttpResponse:
    return _financial(request, vrn, token, kind="payments")
