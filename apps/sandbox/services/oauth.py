"""The sandbox's OAuth 2.0 authorisation server (docs/contracts/hmrc-vat-api.md, OAuth): codes, tokens, refresh.

Lifetimes as HMRC's: an authorisation code lasts 10 minutes and is single
use; an access token 4 hours; a refresh token is single use and the chain of
refreshes ends 18 months after the user's grant. Only SHA-256 hashes of codes
and tokens are stored. Every function takes ``now`` so tests control time.

Errors are raised as :class:`OAuthError` carrying the RFC 6749 ``error`` and the
HTTP status the token endpoint answers with (code exchange and refresh).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import string
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from stdnum.gb import vat as gb_vat

from apps.integrations.hmrc.credentials import client_secret
from apps.sandbox.models import AuthorizationCode, OAuthClient, Token
from apps.sandbox.routers import db_alias
from apps.sandbox.services.organisations import ensure_organisation

CODE_LIFETIME = timedelta(minutes=10)
ACCESS_LIFETIME = timedelta(hours=4)
GRANT_LIFETIME = timedelta(days=548)  # 18 months
USER_SCOPES = frozenset({"read:vat", "write:vat"})
_ALPHABET = string.ascii_letters + string.digits
_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")


class OAuthError(Exception):
    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


def token_hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _new_secret(length: int = 32) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


@dataclass(frozen=True)
class Client:
    client_id: str
    redirect_uris: tuple[str, ...] | None  # None: the development rule in redirect_uri_allowed
    secret_hash: str | None  # None: apps.integrations.hmrc.credentials.client_secret()


def find_client(client_id: str) -> Client | None:
    if not client_id:
        return None
    row = OAuthClient.objects.filter(client_id=client_id).first()
    if row:
        return Client(row.client_id, tuple(row.redirect_uris), row.secret_hash)
    if settings.HMRC_CLIENT_ID and client_id == settings.HMRC_CLIENT_ID:
        return Client(client_id, None, None)
    return None


def secret_matches(client: Client, secret: str) -> bool:
    if client.secret_hash is not None:
        return hmac.compare_digest(client.secret_hash, token_hash(secret))

    return hmac.compare_digest(client_secret().encode(), secret.encode())


def redirect_uri_allowed(client: Client, uri: str) -> bool:
    """Registered URIs match exactly; the configured client accepts this site and local test hosts.

    HMRC's rule: a registered URI, no fragment; HTTPS except localhost. The
    configured client stands for an application that registered SITE_URL's
    callbacks plus the hosts tests and the end-to-end harness run on.
    """
    if not uri:
        return False
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        return False
    if parts.fragment or "#" in uri or parts.scheme not in {"http", "https"}:
        return False
    if client.redirect_uris is not None:
        return uri in client.redirect_uris
    site = urlsplit(settings.SITE_URL)
    site_path = site.path.rstrip("/") + "/"
    if parts.scheme == site.scheme and parts.netloc == site.netloc and (parts.path + "/").startswith(site_path):
        return True
    if parts.scheme == "http" and parts.netloc == "testserver":
        return True
    return parts.hostname in {"127.0.0.1", "localhost"} and (port is None or 0 < port < 65536)


@dataclass(frozen=True)
class AuthRequest:
    client: Client
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str
    code_challenge: str


def validate_authorize(params) -> AuthRequest:
    """Check the authorise request; every failure is shown to the browser, never redirected."""
    if "client_secret" in params:
        raise OAuthError("invalid_request", "client_secret must not be sent to the authorise endpoint")
    client_id = params.get("client_id", "")
    if not client_id:
        raise OAuthError("invalid_request", "client_id is required")
    client = find_client(client_id)
    if client is None:
        raise OAuthError("invalid_request", "client_id is invalid")
    redirect_uri = params.get("redirect_uri", "")
    if not redirect_uri:
        raise OAuthError("invalid_request", "redirect_uri is required")
    if not redirect_uri_allowed(client, redirect_uri):
        raise OAuthError("invalid_request", "redirect_uri is invalid")
    response_type = params.get("response_type", "")
    if not response_type:
        raise OAuthError("invalid_request", "response_type is required")
    if response_type != "code":
        raise OAuthError("unsupported_response_type", "response_type must be 'code'")
    scope = params.get("scope", "")
    if not scope.strip():
        raise OAuthError("invalid_request", "scope is required")
    scopes = tuple(dict.fromkeys(scope.split()))
    if not set(scopes) <= USER_SCOPES:
        raise OAuthError("invalid_scope", "scope is invalid")
    challenge = params.get("code_challenge", "")
    method = params.get("code_challenge_method", "")
    if bool(challenge) != bool(method):
        raise OAuthError("invalid_request", "code_challenge and code_challenge_method must be sent together")
    if method and method != "S256":
        raise OAuthError("invalid_request", "code_challenge_method must be S256")
    if challenge and not re.fullmatch(r"[A-Za-z0-9_-]{43}", challenge):
        raise OAuthError("invalid_request", "code_challenge is invalid")
    return AuthRequest(client, redirect_uri, scopes, params.get("state", ""), challenge)


def valid_vrn(vrn: str) -> bool:
    return bool(re.fullmatch(r"\d{9}", vrn)) and gb_vat.is_valid(vrn)


def grant_authority(request: AuthRequest, *, vrn: str, now: datetime) -> str:
    """The test user granted authority for ``vrn``: a new code (returned raw, stored hashed)."""
    if not valid_vrn(vrn):
        raise ValueError("Enter a nine-digit VAT registration number with valid check digits.")
    code = _new_secret()
    with transaction.atomic(using=db_alias()):
        ensure_organisation(vrn, now=now)
        AuthorizationCode.objects.create(
            code_hash=token_hash(code),
            client_id=request.client.client_id,
            redirect_uri=request.redirect_uri,
            scopes=" ".join(request.scopes),
            vrn=vrn,
            code_challenge=request.code_challenge,
            grant_id=uuid.uuid4(),
            created_at=now,
            expires_at=now + CODE_LIFETIME,
        )
    return code


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    refresh_token: str | None
    expires_in: int
    scope: str

    def as_json(self) -> dict:
        body: dict = {"access_token": self.access_token, "token_type": "bearer", "expires_in": self.expires_in}
        if self.refresh_token:
            body["refresh_token"] = self.refresh_token
        body["scope"] = self.scope
        return body


def _issue(*, kind: str, client_id: str, scopes: str, vrn: str, grant_id, grant_started_at, now) -> IssuedTokens:
    access = _new_secret()
    refresh = _new_secret() if kind == Token.Kind.USER else None
    Token.objects.create(
        access_hash=token_hash(access),
        refresh_hash=token_hash(refresh) if refresh else None,
        kind=kind,
        client_id=client_id,
        scopes=scopes,
        vrn=vrn,
        grant_id=grant_id,
        grant_started_at=grant_started_at,
        issued_at=now,
        access_expires_at=now + ACCESS_LIFETIME,
    )
    return IssuedTokens(access, refresh, int(ACCESS_LIFETIME.total_seconds()), scopes)


def authenticate_client(client_id: str, client_secret: str) -> Client:
    if not client_id:
        raise OAuthError("invalid_request", "client_id is required")
    if not client_secret:
        raise OAuthError("invalid_request", "client_secret is required")
    client = find_client(client_id)
    if client is None or not secret_matches(client, client_secret):
        raise OAuthError("invalid_client", "invalid client id or secret", status=401)
    return client


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()


def exchange_code(
    client: Client, *, code: str, redirect_uri: str, code_verifier: str = "", now: datetime
) -> IssuedTokens:
    """authorization_code grant. A replayed code also revokes the tokens it issued (RFC 6749 §4.1.2)."""
    if not redirect_uri:
        raise OAuthError("invalid_request", "redirect_uri is required")
    if not code:
        raise OAuthError("invalid_request", "code is required")
    row = AuthorizationCode.objects.filter(code_hash=token_hash(code)).first()
    if row is None or row.client_id != client.client_id or now >= row.expires_at:
        raise OAuthError("invalid_request", "code is invalid")
    if row.used_at is not None:
        Token.objects.filter(grant_id=row.grant_id, revoked_at__isnull=True).update(revoked_at=now)
        raise OAuthError("invalid_request", "code is invalid")
    with transaction.atomic(using=db_alias()):
        if redirect_uri != row.redirect_uri:
            raise OAuthError("invalid_request", "redirect_uri is invalid")
        if row.code_challenge:
            if not code_verifier:
                raise OAuthError("invalid_request", "code_verifier is required")
            if not _VERIFIER.match(code_verifier):
                raise OAuthError("invalid_request", "code_verifier is invalid")
            if not hmac.compare_digest(_s256(code_verifier), row.code_challenge):
                raise OAuthError("invalid_grant", "code_verifier is invalid")
        elif code_verifier:
            raise OAuthError("invalid_request", "code_verifier is unexpected")
        # Compare-and-set: of two concurrent exchanges only one marks the code used (on any database).
        if not AuthorizationCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=now):
            raise OAuthError("invalid_request", "code is invalid")
        return _issue(
            kind=Token.Kind.USER,
            client_id=client.client_id,
            scopes=row.scopes,
            vrn=row.vrn,
            grant_id=row.grant_id,
            grant_started_at=now,
            now=now,
        )


def refresh(client: Client, *, refresh_token: str, now: datetime) -> IssuedTokens:
    """refresh_token grant: single use; the old access token dies with it."""
    if not refresh_token:
        raise OAuthError("invalid_request", "refresh_token is required")
    row = Token.objects.filter(refresh_hash=token_hash(refresh_token)).first()
    if row is None or row.client_id != client.client_id or row.revoked_at is not None:
        raise OAuthError("invalid_grant", "refresh_token is invalid")
    if now >= row.grant_started_at + GRANT_LIFETIME:
        raise OAuthError("invalid_grant", "refresh_token is invalid")
    with transaction.atomic(using=db_alias()):
        # Compare-and-set: of two concurrent refreshes with one token, exactly one wins (on any database).
        if not Token.objects.filter(pk=row.pk, revoked_at__isnull=True).update(revoked_at=now):
            raise OAuthError("invalid_grant", "refresh_token is invalid")
        return _issue(
            kind=Token.Kind.USER,
            client_id=client.client_id,
            scopes=row.scopes,
            vrn=row.vrn,
            grant_id=row.grant_id,
            grant_started_at=row.grant_started_at,
            now=now,
        )


def client_credentials(client: Client, *, scope: str, now: datetime) -> IssuedTokens:
    """Application-restricted token: 4 hours, no refresh token, no VRN."""
    scopes = " ".join(dict.fromkeys(scope.split()))
    with transaction.atomic(using=db_alias()):
        return _issue(
            kind=Token.Kind.APPLICATION,
            client_id=client.client_id,
            scopes=scopes,
            vrn="",
            grant_id=uuid.uuid4(),
            grant_started_at=now,
            now=now,
        )


def token_for_bearer(access_token: str, *, now: datetime) -> Token | None:
    """The live token for a bearer value, or None (unknown, revoked or expired)."""
    if not access_token:
        return None
    row = Token.objects.filter(access_hash=token_hash(access_token)).first()
    if row is None or row.revoked_at is not None or now >= row.access_expires_at:
        return None
    return row
