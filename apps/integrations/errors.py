"""Errors of the external-API clients (HMRC, Companies House, bank feed).

Every error has ``.message`` (plain English, safe to show a user as it is)
and ``.code`` (machine-readable: the class's own code, or HMRC's code where
HMRC sent one, so it stays upper case like HMRC's). ``.status`` is the HTTP
status *we* answer with (HMRC's own status is ``HmrcRejected.hmrc_status``).
``.retryable`` says whether trying again later can succeed: outages,
timeouts and rate limits can; a rejection or a missing connection cannot
until a person changes something.
"""

from __future__ import annotations

from typing import Any

from apps.core.errors import ApplicationError


class IntegrationError(ApplicationError):
    """Base: an external service could not do what we asked (502: the fault is upstream of us)."""

    status = 502
    code = "INTEGRATION_ERROR"
    default_message = "The external service could not complete the request."
    retryable = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Older subclasses name their code ``default_code``: it is the class's code.
        super().__init_subclass__(**kwargs)
        if "default_code" in cls.__dict__ and "code" not in cls.__dict__:
            cls.code = cls.default_code

    def __init__(
        self, message: str | None = None, *, code: str | None = None, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message, extra=extra)
        self.code = code or type(self).code


class ExternalServiceUnavailable(IntegrationError):
    """Retryable: 5xx, a maintenance window, a timeout or a connection that failed."""

    status = 503
    code = "SERVICE_UNAVAILABLE"
    retryable = True

    def __init__(self, message: str | None = None, *, code: str | None = None, service: str = "") -> None:
        self.service = service or "The external service"
        super().__init__(
            message or f"{self.service} is not responding at the moment. Please try again in a few minutes.",
            code=code,
        )


class RateLimited(ExternalServiceUnavailable):
    """429 (HMRC: MESSAGE_THROTTLED_OUT). ``retry_after`` is seconds when the service said, else None."""

    code = "MESSAGE_THROTTLED_OUT"

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        service: str = "",
        retry_after: float | None = None,
    ) -> None:
        self.retry_after = retry_after
        name = service or "The external service"
        super().__init__(
            message or f"{name} is receiving too many requests from us just now. Please try again shortly.",
            code=code,
            service=service,
        )


class HmrcNotConnected(IntegrationError):
    """No HMRC connection, or it was revoked or expired and could not be refreshed: a person must reconnect."""

    status = 409
    code = "HMRC_NOT_CONNECTED"
    default_message = (
        "This business is not connected to HMRC, or HMRC's permission has expired. "
        "An owner needs to connect to HMRC again."
    )


class HmrcAuthorisationFailed(IntegrationError):
    """Connecting to HMRC did not complete: the user declined, the link was stale or reused, or HMRC refused the code.

    codes: ACCESS_DENIED, STATE_INVALID, STATE_EXPIRED, STATE_USED, INVALID_GRANT, INVALID_CLIENT, INVALID_REQUEST.
    """

    status = 400
    code = "AUTHORISATION_FAILED"
    default_message = "Connecting to HMRC did not complete. Please try again."


# Plain-English explanations of HMRC's codes; HMRC's own text is kept in .errors. Each says what HMRC
# refused; the filing pages add what to do next for that code.
HMRC_MESSAGES: dict[str, str] = {
    "VRN_INVALID": "HMRC did not accept the VAT registration number.",
    "PERIOD_KEY_INVALID": "HMRC did not recognise the VAT period.",
    "INVALID_REQUEST": "HMRC's checks failed on the figures sent.",
    "INVALID_MONETARY_AMOUNT": "HMRC's checks failed on an amount: out of range, or with the wrong decimals.",
    "INVALID_NUMERIC_VALUE": "HMRC's checks failed on an amount that is not a number.",
    "MANDATORY_FIELD_MISSING": "HMRC's checks failed: a box was missing.",
    "VAT_TOTAL_VALUE": "HMRC's checks failed: box 3 must be box 1 plus box 2.",
    "VAT_NET_VALUE": "HMRC's checks failed: box 5 must be the difference between box 3 and box 4.",
    "DUPLICATE_SUBMISSION": "HMRC already has a VAT return for this period.",
    "TAX_PERIOD_NOT_ENDED": "HMRC will not accept a return for a period that has not ended yet.",
    "NOT_FINALISED": "HMRC needs the declaration that the return is final.",
    "RULE_INSOLVENT_TRADER": "HMRC says this business is insolvent, so it cannot use this service online.",
    "CLIENT_OR_AGENT_NOT_AUTHORISED": (
        "HMRC says the connected HMRC account is not authorised for this VAT registration number."
    ),
    "INVALID_SCOPE": "The HMRC connection does not allow this. An owner needs to connect to HMRC again.",
    "FORBIDDEN": "HMRC refused access to this VAT registration number.",
    "RESOURCE_FORBIDDEN": "HMRC refused the request: this software is not subscribed to the VAT API.",
    "NOT_FOUND": "HMRC has no data for this request.",
    "MATCHING_RESOURCE_NOT_FOUND": "HMRC does not offer that request.",
    "INVALID_DATE_FROM": "HMRC did not accept the start date.",
    "INVALID_DATE_TO": "HMRC did not accept the end date.",
    "DATE_FROM_INVALID": "HMRC did not accept the start date.",
    "DATE_TO_INVALID": "HMRC did not accept the end date.",
    "INVALID_DATE_RANGE": "HMRC did not accept the date range (at most one year, start before end).",
    "DATE_RANGE_INVALID": "HMRC did not accept the date range (at most one year, start before end).",
    "DATE_RANGE_TOO_LARGE": "HMRC cannot show returns more than four years old.",
    "MISSING_DATE_RANGE": "HMRC needs a date range for fulfilled obligations.",
    "INVALID_STATUS": "HMRC did not accept the obligation status.",
    "INVALID_DATA": "HMRC found the request invalid.",
    "RULE_INCORRECT_GOV_TEST_SCENARIO": "The HMRC sandbox did not recognise the test scenario.",
    "ACCEPT_HEADER_INVALID": "HMRC did not accept the API version we asked for.",
    "INVALID_BODY_TYPE": "HMRC did not accept the format of the request.",
    "METHOD_NOT_ALLOWED": "HMRC does not allow that kind of request.",
    "HTTPS_REQUIRED": "HMRC requires a secure connection.",
}


class HmrcRejected(IntegrationError):
    """HMRC said no (4xx business or validation error). Not retryable: the request must change.

    ``code`` is HMRC's code (the inner business code when HMRC wraps one in
    BUSINESS_ERROR), ``errors`` HMRC's list of {"code", "message", "path"},
    ``hmrc_status`` the HTTP status HMRC answered with (the ``status=``
    argument). We answer 422: the request was understood, HMRC refused it.
    """

    status = 422
    code = "HMRC_REJECTED"
    default_message = "HMRC did not accept the request."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        status: int | None = None,
    ) -> None:
        self.errors = list(errors or [])
        self.hmrc_status = status
        super().__init__(message or HMRC_MESSAGES.get(code or ""), code=code)


class DuplicateSubmission(HmrcRejected):
    """HMRC already holds a return for this VRN and period key."""

    status = 409
    code = "DUPLICATE_SUBMISSION"
    default_message = HMRC_MESSAGES["DUPLICATE_SUBMISSION"]


class CompanyNotFound(IntegrationError):
    """Companies House has no company with that number."""

    status = 404
    code = "COMPANY_NOT_FOUND"

    def __init__(self, message: str | None = None, *, code: str | None = None, company_number: str = "") -> None:
        self.company_number = company_number
        super().__init__(
            message or f"Companies House has no company with the number {company_number or 'given'}. Please check it.",
            code=code,
        )
