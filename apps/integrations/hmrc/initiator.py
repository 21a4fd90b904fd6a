"""Who started an HMRC call, and so which fraud-prevention headers it carries.

Every HMRC VAT API call is made with an initiator, never without (the client
refuses a call that has none):

- ``UserInitiated``: a person's action, now or later on their behalf (a
  queued or retried submission they approved). Connection method
  WEB_APP_VIA_SERVER, with the device data captured at the request where
  they acted. HMRC's guidance: actions a user starts and the server sends
  later still originate from the user's device.
- ``SystemInitiated``: nothing a person did (the scheduled obligations sync,
  the synthetic monitor). Connection method BATCH_PROCESS_DIRECT, with this
  machine's data collected just before each request.

A user-initiated call needs the facts only the browser can give (screens,
window, time zone, the browser's user agent). ``user_initiated`` refuses
with a message for the person when they are missing, rather than calling
HMRC as if they were there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

from apps.integrations.errors import IntegrationError
from apps.integrations.hmrc import batch_headers, fraud_headers


class BrowserFactsMissing(IntegrationError):
    """The request that would call HMRC did not bring the browser facts HMRC requires (a 400 for the person)."""

    status = 400
    code = "FRAUD_HEADERS_INCOMPLETE"
    default_message = (
        "Your browser did not send the device details HMRC requires with every request "
        "(screen, window size, time zone and browser). Make sure JavaScript is on, reload the page and try again."
    )


class InitiatorMissing(TypeError):
    """A programming error: an HMRC call was attempted without saying who started it."""


@dataclass(frozen=True)
class UserInitiated:
    """A person's action: the headers of the device they used when they acted."""

    context: dict[str, Any] = field(default_factory=dict)
    connection_method = fraud_headers.CONNECTION_METHOD
    initiator = "user"

    def headers(self, tenant_id: Any = None) -> dict[str, str]:
        return fraud_headers.build_fraud_headers(self.context)


@dataclass(frozen=True)
class SystemInitiated:
    """No person started this call (``reason`` says what did: logged with the call)."""

    reason: str
    connection_method = batch_headers.CONNECTION_METHOD
    initiator = "system"

    def headers(self, tenant_id: Any = None) -> dict[str, str]:
        return batch_headers.batch_headers(tenant_id=tenant_id)


Initiator = UserInitiated | SystemInitiated


def capture_user_context(request: HttpRequest, *, require_browser: bool = True) -> dict[str, Any]:
    """The fraud context of this request (for a call now or later); refuses when the browser facts are missing."""
    context = fraud_headers.capture_fraud_context(request, fraud_headers.browser_json_from(request))
    if require_browser and fraud_headers.missing_browser_facts(context):
        raise BrowserFactsMissing()
    return context


def user_initiated(request: HttpRequest) -> UserInitiated:
    """The initiator for an HMRC call made while serving this request."""
    return UserInitiated(capture_user_context(request))
