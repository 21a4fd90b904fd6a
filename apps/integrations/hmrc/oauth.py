"""Connecting a business to HMRC: the OAuth 2.0 authorisation code grant with PKCE.

The journey: ``start_authorisation`` stores a hashed, single-use state bound to
the tenant and the user (10 minutes) and returns HMRC's authorise URL;
HMRC sends the browser back to the callback, where
``complete_authorisation`` checks the state, exchanges the code server to
server, and stores the tokens encrypted.

Why the HTTP exchange comes before any write: the callback runs inside the
portal's request transaction, and in the embedded demo (SQLite) the local
sandbox answering the exchange is another request on the same database file;
a write lock held by us would block it.

Keeping the token fresh afterwards is ``apps.integrations.hmrc.tokens``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote, urlencode

import requests
import structlog
from django.conf import settings
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from apps.audit.services import record_event
from apps.integrations import http
from apps.integrations.errors import (
    ExternalServiceUnavailable,
    HmrcAuthorisationFailed,
)
from apps.integrations.hmrc.credentials import client_secret
from apps.integrations.hmrc.models import HmrcConnection, OAuthState
from apps.integrations.hmrc.states import move_connection
from apps.tenancy.context import tenant_context

log = structlog.get_logger("strongroom.integrations.hmrc")

SCOPES = "read:vat write:vat"
STATE_LIFETIME = timedelta(minutes=10)
CLIENT = "hmrc_oauth"

DENIED_MESSAGE = "You did not give Strongroom permission at HMRC, so nothing was connected. You can try again."
STATE_MESSAGES = {
    "STATE_INVALID": "This HMRC sign-in link is not valid for you or this business. Please start connecting again.",
    "STATE_EXPIRED": "The HMRC sign-in took longer than 10 minutes. Please start connecting again.",
    "STATE_USED": "This HMRC sign-in was already completed. Please start connecting again if you need to.",
}


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str
    expires_in: int
    scope: str


class GrantRejected(Exception):
    """HMRC answered the token request with invalid_grant (code or refresh token no longer valid)."""


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode("utf-8")).hexdigest()


STATE_SLUG = re.compile(r"^([a-z0-9][a-z0-9_-]{0,59})\.[A-Za-z0-9_-]{20,}$")


def tenant_slug_from_state(state: str) -> str | None:
    """The business a state was issued for (its prefix), or None for anything not shaped like our states."""
    match = STATE_SLUG.match(state or "")
    return match.group(1) if match else None


def safe_next_url(next_url: str) -> str:
    """Only a relative path on this site (no scheme, no host, no //): anything else becomes ""."""
    if not next_url or not next_url.startswith("/") or next_url.startswith("//"):
        return ""
    return next_url[:500] if url_has_allowed_host_and_scheme(next_url, allowed_hosts=set()) else ""


def pkce_verifier(state: str) -> str:
    """PKCE code_verifier derived from the state with the server's secret, so it needs no storage.

    Whoever intercepts the redirect (code and state) still cannot redeem the
    code without SECRET_KEY. 64 hex characters: within RFC 7636's 43–128.
    """
    return hmac.new(settings.SECRET_KEY.encode(), f"hmrc-pkce:{state}".encode(), hashlib.sha256).hexdigest()


def pkce_challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode("ascii")


def authorize_url(*, state: str, redirect_uri: str) -> str:
    params = {
        "response_type": "code",
        "client_id": settings.HMRC_CLIENT_ID,
        "scope": SCOPES,
        "state": state,
        "redirect_uri": redirect_uri,
        "code_challenge": pkce_challenge(pkce_verifier(state)),
        "code_challenge_method": "S256",
    }
    return f"{settings.HMRC_AUTHORIZE_URL}?{urlencode(params, quote_via=quote)}"


def start_authorisation(
    *, tenant, user, redirect_uri: str, next_url: str = "", fraud_context: dict | None = None
) -> str:
    """Store a hashed single-use state (tenant + user, 10 minutes) and return the URL to send the browser to.

    The state starts with the tenant's slug: HMRC only redirects to the exact
    URIs registered for the application (a handful), so the redirect URI is
    one site-wide address that forwards to the business named in the state.
    """
    state = f"{tenant.slug}.{secrets.token_urlsafe(32)}"
    with tenant_context(tenant):
        OAuthState.objects.create(
            tenant=tenant,
            state_hash=_hash(state),
            user=user,
            next_url=safe_next_url(next_url),
            redirect_uri=redirect_uri,
            expires_at=timezone.now() + STATE_LIFETIME,
            fraud_context=fraud_context or {},
        )
        record_event("integrations.hmrc.connect_started", actor=user, tenant_id=tenant.pk)
    return authorize_url(state=state, redirect_uri=redirect_uri)


def token_request(operation: str, data: dict[str, str]) -> TokenSet:
    """POST /oauth/token (form-encoded, secrets in the body). Raises GrantRejected on invalid_grant."""

    def handle(response: requests.Response) -> TokenSet:
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        if response.status_code == 200:
            try:
                return TokenSet(
                    access_token=str(body["access_token"]),
                    refresh_token=str(body["refresh_token"]),
                    expires_in=int(body.get("expires_in") or 14400),
                    scope=str(body.get("scope") or SCOPES),
                )
            except (KeyError, TypeError, ValueError) as error:
                raise ExternalServiceUnavailable(
                    "HMRC sent an answer we could not read. Please try again in a few minutes.",
                    code="BAD_RESPONSE",
                    service="HMRC",
                ) from error
        error = body.get("error") if isinstance(body.get("error"), str) else ""
        description = body.get("error_description") if isinstance(body.get("error_description"), str) else ""
        if error == "invalid_grant":
            raise GrantRejected(description)
        if error == "invalid_client" or response.status_code == 401:
            raise HmrcAuthorisationFailed(
                "HMRC did not recognise this software's credentials. Our team has been told.", code="INVALID_CLIENT"
            )
        if "already in progress" in description.lower():
            raise ExternalServiceUnavailable(
                "HMRC is still renewing the connection. Please try again in a moment.",
                code="REFRESH_IN_PROGRESS",
                service="HMRC",
            )
        raise HmrcAuthorisationFailed(
            "HMRC did not accept the request to connect. Please try again.", code=(error or "INVALID_REQUEST").upper()
        )

    payload = {"client_id": settings.HMRC_CLIENT_ID, "client_secret": client_secret(), **data}
    return http.call(
        CLIENT,
        operation,
        "POST",
        f"{settings.HMRC_API_BASE_URL}/oauth/token",
        data=payload,
        headers={"Accept": "application/json"},
        handle=handle,
    )


def _check_state(tenant, user, state: str) -> OAuthState:
    """Read-only: the journey this state started, or HmrcAuthorisationFailed."""
    row = OAuthState.objects.filter(state_hash=_hash(state or "")).first() if state else None
    if row is None or row.user_id != user.pk:
        raise HmrcAuthorisationFailed(STATE_MESSAGES["STATE_INVALID"], code="STATE_INVALID")
    if row.used_at is not None:
        raise HmrcAuthorisationFailed(STATE_MESSAGES["STATE_USED"], code="STATE_USED")
    if row.expires_at <= timezone.now():
        raise HmrcAuthorisationFailed(STATE_MESSAGES["STATE_EXPIRED"], code="STATE_EXPIRED")
    return row


def _claim_state(row: OAuthState) -> None:
    """Mark the state used, once: a second callback racing this one finds it used."""
    claimed = OAuthState.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=timezone.now())
    if not claimed:
        raise HmrcAuthorisationFailed(STATE_MESSAGES["STATE_USED"], code="STATE_USED")


def _failed(tenant, user, row: OAuthState, reason: str, error: HmrcAuthorisationFailed) -> HmrcAuthorisationFailed:
    _claim_state(row)
    record_event("integrations.hmrc.connect_failed", actor=user, tenant_id=tenant.pk, extra={"reason": reason})
    return error


def complete_authorisation(
    *, tenant, user, state: str, code: str | None, error: str | None, redirect_uri: str
) -> HmrcConnection:
    """Finish the journey HMRC sent the browser back from; return the connection.

    The returned connection carries ``.next_url`` (the relative URL given to
    start_authorisation, or "") and ``.fraud_context`` (the person's device
    facts captured when they started, for the call that checks the grant). Raises HmrcAuthorisationFailed (state
    invalid/expired/used, access denied, code refused) or
    ExternalServiceUnavailable (HMRC down: the state stays usable until it
    expires, but HMRC's code is single use, so the user starts again).
    """
    failure: HmrcAuthorisationFailed | None = None
    with tenant_context(tenant):
        row = _check_state(tenant, user, state)  # reads only
        # Sealed with the tenant's data key (decision 0025): open it while in the tenant's context.
        started_from = row.fraud_context or {}
        if error or not code:
            denied = error == "access_denied"
            failure = _failed(
                tenant,
                user,
                row,
                "access_denied" if denied else (error or "no_code")[:50],
                HmrcAuthorisationFailed(
                    DENIED_MESSAGE if denied else "HMRC did not complete the connection. Please try again.",
                    code="ACCESS_DENIED" if denied else "INVALID_REQUEST",
                ),
            )
    # Failures are raised outside the block, so that the used state and the audit event commit.
    if failure is not None:
        raise failure
    if redirect_uri != row.redirect_uri:
        raise HmrcAuthorisationFailed(STATE_MESSAGES["STATE_INVALID"], code="STATE_INVALID")
    # The HTTP exchange happens before anything is written (see the module docstring).
    try:
        tokens = token_request(
            "token_exchange",
            {
                "grant_type": "authorization_code",
                "redirect_uri": redirect_uri,
                "code": code,
                "code_verifier": pkce_verifier(state),
            },
        )
    except GrantRejected:
        failure = HmrcAuthorisationFailed(
            "HMRC's sign-in code had expired or was already used. Please start connecting again.",
            code="INVALID_GRANT",
        )
    except HmrcAuthorisationFailed as refused:
        failure = refused
    if failure is not None:
        with tenant_context(tenant):
            _failed(tenant, user, row, failure.code.lower(), failure)
        raise failure
    now = timezone.now()
    with tenant_context(tenant):
        _claim_state(row)
        connection = HmrcConnection.objects.select_for_update().filter(tenant=tenant).first()
        before = {"status": connection.status} if connection else {}
        fresh = connection is None
        if fresh:
            connection = HmrcConnection(tenant=tenant)  # created connected (the field's default)
        connection.access_token = tokens.access_token
        connection.refresh_token = tokens.refresh_token
        connection.expires_at = now + timedelta(seconds=tokens.expires_in)
        connection.scopes = tokens.scope
        connection.connected_by = user
        connection.connected_at = now
        connection.last_refreshed_at = None
        connection.status_reason = ""
        if fresh:
            connection.save()
        else:
            move_connection(connection, "connect")
        record_event(
            "integrations.hmrc.connected",
            actor=user,
            tenant_id=tenant.pk,
            target=connection,
            before=before,
            after={"status": connection.status, "scopes": connection.scopes},
        )
    connection.next_url = row.next_url
    connection.fraud_context = started_from
    log.info("hmrc_connected", scopes=tokens.scope)
    return connection


def disconnect(*, tenant, actor) -> None:
    """Forget the tokens (HMRC offers no revocation endpoint); the business must connect again to file."""
    with tenant_context(tenant):
        connection = HmrcConnection.objects.select_for_update().filter(tenant=tenant).first()
        if connection is None or connection.status == HmrcConnection.Status.REVOKED:
            return
        before = connection.status
        connection.access_token = ""
        connection.refresh_token = ""
        connection.expires_at = None
        connection.status_reason = f"Disconnected by {getattr(actor, 'email', '') or 'a user'}"
        move_connection(connection, "disconnect")
        record_event(
            "integrations.hmrc.disconnected",
            actor=actor,
            tenant_id=tenant.pk,
            target=connection,
            before={"status": before},
            after={"status": connection.status},
        )
