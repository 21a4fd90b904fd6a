"""HMRC's VAT (MTD) API v1.0: obligations, submit and view returns, liabilities, payments.

Every error HMRC documents maps to one exception:
- a rejection (4xx business or validation error) → HmrcRejected with HMRC's
  code, errors and status; DUPLICATE_SUBMISSION → DuplicateSubmission.
  Not retryable: the request must change.
- 5xx, 429, timeouts, connection failures → ExternalServiceUnavailable /
  RateLimited (raised by apps.integrations.http). Retryable.
- 401 (token refused) → one refresh and one retry; refused again, or
  403 INVALID_SCOPE → HmrcNotConnected (a person must reconnect).

Money: the submission body is written exactly from Decimals (return_body.py);
amounts HMRC sends back are read as Decimal straight from the JSON text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import quote

import requests
from django.conf import settings

from apps.integrations import http
from apps.integrations.errors import (
    HMRC_MESSAGES,
    DuplicateSubmission,
    ExternalServiceUnavailable,
    HmrcNotConnected,
    HmrcRejected,
)
from apps.integrations.hmrc import tokens
from apps.integrations.hmrc.initiator import Initiator, InitiatorMissing
from apps.integrations.hmrc.return_body import (  # noqa: F401 - re-exported for callers of the client
    PENCE_BOXES,
    POUND_BOXES,
    RETURN_FIELDS,
    money_json,
    return_body_json,
    whole_pounds_json,
)

T = TypeVar("T")
CLIENT = "hmrc"
ACCEPT = "application/vnd.hmrc.1.0+json"
_VRN = re.compile(r"^\d{9}$")
_PERIOD_KEY = re.compile(r"^[#0-9A-Z]{4}$")

BOX_NUMBERS = {name: i + 1 for i, name in enumerate((*PENCE_BOXES, *POUND_BOXES))}
TOKEN_CODES = {"MISSING_CREDENTIALS", "INVALID_CREDENTIALS", "UNAUTHORIZED", "INCORRECT_ACCESS_TOKEN_TYPE"}


@dataclass(frozen=True)
class Obligation:
    period_key: str
    start: date
    end: date
    due: date
    status: str  # "O" open, "F" fulfilled
    received: date | None = None


@dataclass(frozen=True)
class SubmissionReceipt:
    processing_date: datetime
    form_bundle_number: str
    payment_indicator: str | None = None
    charge_ref_number: str | None = None
    receipt_id: str | None = None  # Receipt-ID header
    receipt_timestamp: str | None = None  # Receipt-Timestamp header
    correlation_id: str | None = None  # X-CorrelationId header


@dataclass(frozen=True)
class Liability:
    type: str
    original_amount: Decimal
    outstanding_amount: Decimal | None = None
    due: date | None = None
    period_from: date | None = None
    period_to: date | None = None


@dataclass(frozen=True)
class Payment:
    amount: Decimal
    received: date | None = None


class _TokenRefused(HmrcNotConnected):
    """401 from HMRC: the access token was refused (the client refreshes once and retries)."""

    code = "HMRC_TOKEN_REFUSED"


# --- response parsing ----------------------------------------------------------------------------


def _bad_response(what: str) -> ExternalServiceUnavailable:
    return ExternalServiceUnavailable(
        f"HMRC sent {what} we could not read. Please try again in a few minutes.", code="BAD_RESPONSE", service="HMRC"
    )


def _json(response: requests.Response) -> Any:
    """The body with JSON numbers read as Decimal (exact), or None when it is not JSON."""
    try:
        return response.json(parse_float=Decimal)
    except ValueError:
        return None


def _code(response: requests.Response) -> str:
    body = _json(response)
    return body.get("code", "") if isinstance(body, dict) else ""


def _empty_when_no_data(response: requests.Response) -> list:
    """HMRC's 404 NOT_FOUND on a list endpoint means "nothing in that range"; any other 404 is a rejection."""
    if _code(response) == "NOT_FOUND":
        return []
    raise rejection_from(response)


def _date(value: Any, *, required: bool = False) -> date | None:
    if value is None and not required:
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        if required:
            raise
        return None


def _amount(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"not an amount: {value!r}")
    return Decimal(value)


def _error_message(code: str, errors: list[dict[str, Any]], hmrc_message: str) -> str:
    base = HMRC_MESSAGES.get(code) or (f"HMRC did not accept the request: {hmrc_message}" if hmrc_message else "")
    details = []
    for item in errors:
        field = str(item.get("path") or "").lstrip("/")
        label = f"box {BOX_NUMBERS[field]}" if field in BOX_NUMBERS else field
        text = str(item.get("message") or item.get("code") or "")
        details.append(f"{label}: {text}" if label else text)
    if details and code not in {"DUPLICATE_SUBMISSION"}:
        return f"{base or 'HMRC did not accept the request.'} ({'; '.join(details)})"
    return base or "HMRC did not accept the request."


def rejection_from(response: requests.Response) -> HmrcRejected | HmrcNotConnected:
    """The exception for a 4xx answer: HMRC's {"code","message","errors"} or legacy {"statusCode","message"}."""
    body = _json(response)
    body = body if isinstance(body, dict) else {}
    code = body.get("code") if isinstance(body.get("code"), str) else ""
    if not code and isinstance(body.get("statusCode"), int) and isinstance(body.get("message"), str):
        code = body["message"]  # legacy validation shape: the code travels in "message"
    message = body.get("message") if isinstance(body.get("message"), str) and body.get("code") else ""
    raw_errors = body.get("errors") if isinstance(body.get("errors"), list) else []
    errors = [
        {"code": str(e.get("code", "")), "message": str(e.get("message", "")), "path": e.get("path")}
        for e in raw_errors
        if isinstance(e, dict)
    ]
    status = response.status_code
    if status == 401 or code in TOKEN_CODES:
        return _TokenRefused(code=code or "INVALID_CREDENTIALS")
    if code == "INVALID_SCOPE":
        return HmrcNotConnected(HMRC_MESSAGES["INVALID_SCOPE"], code=code)
    if code == "BUSINESS_ERROR" and errors:
        code = errors[0]["code"] or code  # DUPLICATE_SUBMISSION, NOT_FINALISED, DATE_RANGE_TOO_LARGE
    if not code and status == 404:
        code = "NOT_FOUND"
    if code == "DUPLICATE_SUBMISSION" or any(e["code"] == "DUPLICATE_SUBMISSION" for e in errors):
        return DuplicateSubmission(code="DUPLICATE_SUBMISSION", errors=errors, status=status)
    code = code or f"HTTP_{status}"
    return HmrcRejected(_error_message(code, errors, message), code=code, errors=errors, status=status)


class HmrcVatClient:
    """One business's calls to the VAT API, each with the fraud-prevention headers of who started it.

    ``initiator`` (``apps.integrations.hmrc.initiator``) is required: a person's
    action (WEB_APP_VIA_SERVER, the device data captured when they acted) or
    the system's (BATCH_PROCESS_DIRECT, this machine's data collected before
    each request). A client without one is refused: HMRC requires the
    headers on every call.
    """

    def __init__(self, tenant, *, initiator: Initiator | None = None, test_scenario: str | None = None):
        if initiator is None:
            raise InitiatorMissing("An HMRC call needs an initiator (UserInitiated or SystemInitiated).")
        self.tenant = tenant
        self.initiator = initiator
        self.test_scenario = test_scenario

    @property
    def connection_method(self) -> str:
        return self.initiator.connection_method

    # --- plumbing ---------------------------------------------------------------------------------
    def _headers(self, token: str, *, json_body: bool, test_scenario: str | None) -> dict[str, str]:
        fraud = self.initiator.headers(getattr(self.tenant, "pk", None))
        headers = {**fraud, "Accept": ACCEPT, "Authorization": f"Bearer {token}"}
        if json_body:
            headers["Content-Type"] = "application/json"
        scenario = test_scenario or self.test_scenario
        if scenario:
            headers["Gov-Test-Scenario"] = scenario
        return headers

    def _request(
        self,
        operation: str,
        method: str,
        path: str,
        handle: Callable[[requests.Response], T],
        *,
        on_404: Callable[[requests.Response], T] | None = None,
        params: dict[str, str] | None = None,
        body: str | None = None,
        test_scenario: str | None = None,
        timeout: tuple[float, float] | None = None,
    ) -> T:
        def send(token: str) -> T:  # http.call applies HMRC's rate budget and the breaker to every attempt
            def checked(response: requests.Response) -> T:
                if response.status_code == 404 and on_404 is not None:
                    return on_404(response)
                if 400 <= response.status_code < 500:
                    raise rejection_from(response)
                return handle(response)

            return http.call(
                CLIENT,
                operation,
                method,
                f"{settings.HMRC_API_BASE_URL}{path}",
                params=params,
                data=body.encode("utf-8") if body is not None else None,
                headers=self._headers(token, json_body=body is not None, test_scenario=test_scenario),
                handle=checked,
                timeout=timeout,
            )

        token = tokens.access_token_for(self.tenant)
        try:
            return send(token)
        except _TokenRefused:
            token = tokens.refresh_after_rejection(self.tenant, token)
        try:
            return send(token)
        except _TokenRefused as refused:
            tokens.mark_token_rejected(self.tenant, f"HMRC refused a freshly refreshed token ({refused.code})")
            raise HmrcNotConnected() from None

    @staticmethod
    def _vrn(vrn: str) -> str:
        if not isinstance(vrn, str) or not _VRN.match(vrn):
            raise HmrcRejected(HMRC_MESSAGES["VRN_INVALID"], code="VRN_INVALID", status=None)
        return vrn

    # --- endpoints --------------------------------------------------------------------------------
    def obligations(
        self,
        vrn: str,
        *,
        from_date: date | None = None,
        to_date: date | None = None,
        status: str | None = None,
        test_scenario: str | None = None,
    ) -> list[Obligation]:
        """GET obligations. HMRC's 404 NOT_FOUND ("no data") is an empty list.

        Dates are required except with ``status="O"``: every open obligation, however old.
        """
        if (from_date is None or to_date is None) and status != "O":
            raise ValueError("HMRC needs from and to dates unless only open obligations are asked for")
        params = {"from": from_date.isoformat(), "to": to_date.isoformat()} if from_date and to_date else {}
        if status:
            params["status"] = status

        def handle(response: requests.Response) -> list[Obligation]:
            body = _json(response)
            try:
                return [
                    Obligation(
                        period_key=str(item["periodKey"]),
                        start=_date(item["start"], required=True),
                        end=_date(item["end"], required=True),
                        due=_date(item["due"], required=True),
                        status=str(item["status"]),
                        received=_date(item.get("received")),
                    )
                    for item in body["obligations"]
                ]
            except (KeyError, TypeError, ValueError) as error:
                raise _bad_response("obligations") from error

        return self._request(
            "obligations", "GET", f"/organisations/vat/{self._vrn(vrn)}/obligations", handle,
            on_404=_empty_when_no_data, params=params, test_scenario=test_scenario,
        )  # fmt: skip

    def submit_return(self, vrn: str, body: dict[str, Any], *, test_scenario: str | None = None) -> SubmissionReceipt:
        """POST a 9-box return. Raises DuplicateSubmission when HMRC already holds one for the period."""
        payload = return_body_json(body)

        def handle(response: requests.Response) -> SubmissionReceipt:
            data = _json(response)
            if response.status_code not in (200, 201) or not isinstance(data, dict):
                raise _bad_response("a receipt")
            try:
                return SubmissionReceipt(
                    processing_date=datetime.fromisoformat(data["processingDate"]),
                    form_bundle_number=str(data["formBundleNumber"]),
                    payment_indicator=data.get("paymentIndicator") or None,
                    charge_ref_number=data.get("chargeRefNumber") or None,
                    receipt_id=response.headers.get("Receipt-ID"),
                    receipt_timestamp=response.headers.get("Receipt-Timestamp"),
                    correlation_id=response.headers.get("X-CorrelationId"),
                )
            except (KeyError, TypeError, ValueError) as error:
                raise _bad_response("a receipt") from error

        # The reply is the only copy of the receipt (HMRC's view of a return has no form bundle number): wait
        # longer for it than for a read, so a slow HMRC still gives us the receipt (issue #17).
        timeout = (float(settings.EXTERNAL_CONNECT_TIMEOUT), float(settings.HMRC_SUBMIT_READ_TIMEOUT))
        return self._request(
            "submit_return", "POST", f"/organisations/vat/{self._vrn(vrn)}/returns", handle,
            body=payload, test_scenario=test_scenario, timeout=timeout,
        )  # fmt: skip

    def view_return(self, vrn: str, period_key: str, *, test_scenario: str | None = None) -> dict[str, Any]:
        """GET a submitted return; amounts as Decimal. No return for the key → HmrcRejected code NOT_FOUND."""
        if not isinstance(period_key, str) or not _PERIOD_KEY.match(period_key):
            raise HmrcRejected(HMRC_MESSAGES["PERIOD_KEY_INVALID"], code="PERIOD_KEY_INVALID")

        def not_found(response: requests.Response) -> dict[str, Any]:
            if not response.content:  # HMRC's way of saying "no return for that period key"
                raise HmrcRejected("HMRC has no return for this period.", code="NOT_FOUND", status=404)
            raise rejection_from(response)

        def handle(response: requests.Response) -> dict[str, Any]:
            data = _json(response)
            if not isinstance(data, dict):
                raise _bad_response("a return")
            if any(field not in data for field in BOX_NUMBERS):
                raise _bad_response("a return")
            try:
                return {k: (_amount(v) if k in BOX_NUMBERS else v) for k, v in data.items()}
            except ValueError as error:
                raise _bad_response("a return") from error

        path = f"/organisations/vat/{self._vrn(vrn)}/returns/{quote(period_key, safe='')}"
        return self._request("view_return", "GET", path, handle, on_404=not_found, test_scenario=test_scenario)

    def liabilities(
        self, vrn: str, *, from_date: date, to_date: date, test_scenario: str | None = None
    ) -> list[Liability]:
        """GET liabilities. HMRC's 404 NOT_FOUND (none in the range) is an empty list."""

        def handle(response: requests.Response) -> list[Liability]:
            body = _json(response)
            try:
                result = []
                for item in body["liabilities"]:
                    period = item.get("taxPeriod") or {}
                    outstanding = item.get("outstandingAmount")
                    result.append(
                        Liability(
                            type=str(item["type"]),
                            original_amount=_amount(item["originalAmount"]),
                            outstanding_amount=_amount(outstanding) if outstanding is not None else None,
                            due=_date(item.get("due")),
                            period_from=_date(period.get("from")),
                            period_to=_date(period.get("to")),
                        )
                    )
                return result
            except (KeyError, TypeError, ValueError, AttributeError) as error:
                raise _bad_response("liabilities") from error

        params = {"from": from_date.isoformat(), "to": to_date.isoformat()}
        path = f"/organisations/vat/{self._vrn(vrn)}/liabilities"
        return self._request(
            "liabilities", "GET", path, handle, on_404=_empty_when_no_data, params=params, test_scenario=test_scenario
        )

    def payments(self, vrn: str, *, from_date: date, to_date: date, test_scenario: str | None = None) -> list[Payment]:
        """GET payments. HMRC's 404 NOT_FOUND (none in the range) is an empty list."""

        def handle(response: requests.Response) -> list[Payment]:
            body = _json(response)
            try:
                return [
                    Payment(amount=_amount(item["amount"]), received=_date(item.get("received")))
                    for item in body["payments"]
                ]
            except (KeyError, TypeError, ValueError) as error:
                raise _bad_response("payments") from error

        params = {"from": from_date.isoformat(), "to": to_date.isoformat()}
        path = f"/organisations/vat/{self._vrn(vrn)}/payments"
        return self._request(
            "payments", "GET", path, handle, on_404=_empty_when_no_data, params=params, test_scenario=test_scenario
        )
