"""Helpers and constants shared by the account views."""

from __future__ import annotations

from base64 import b32encode
from typing import Any
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts import selectors

PENDING_LOGIN_SESSION_KEY = "accounts.pending_login"
PENDING_LOGIN_SECONDS = 5 * 60
# After this many wrong codes the password must be entered again (on top of django-otp's back-off).
MAX_CODE_FAILURES = 5
BACKUP_CODES_SESSION_KEY = "accounts.new_backup_codes"

INVALID_CREDENTIALS = "That email address and password do not match an active account."
PENDING_EXPIRED = "Your sign-in took too long, enter your password again"
TOO_MANY_CODES = "Too many wrong codes. Enter your password again."


# --- helpers ----------------------------------------------------------------


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    """``candidate`` if it stays on this site, else ""; never an open redirect."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _next_from(request: HttpRequest) -> str:
    return _safe_next(request, request.POST.get("next") or request.GET.get("next"))


def _after_login_url(request: HttpRequest, next_url: str | None) -> str:
    return _safe_next(request, next_url) or resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _needs_step_up(request: HttpRequest) -> HttpResponse | None:
    """A signed-in user with a device whose session is not verified must verify first."""
    user = request.user
    if user.is_verified() or not selectors.has_confirmed_device(user):
        return None
    return redirect(_with_next(reverse("accounts:login-verify"), request.get_full_path()))


def _clear_pending(request: HttpRequest) -> None:
    request.session.pop(PENDING_LOGIN_SESSION_KEY, None)


def _pending_user(request: HttpRequest, pending: dict[str, Any]) -> AbstractBaseUser | None:
    backend = pending.get("backend")
    if backend not in settings.AUTHENTICATION_BACKENDS:
        return None
    return get_user_model().objects.filter(pk=pending.get("user_id"), is_active=True).first()


def _qr_svg(device: TOTPDevice) -> str:
    """Inline SVG: no third-party QR service sees the secret, and the CSP needs no exception."""
    qr = segno.make(device.config_url, error="m")
    svg = qr.svg_inline(scale=4, border=4, dark="#000", light="#fff", svgclass="qr-code", title="QR code to scan")
    svg = svg.replace("<svg ", '<svg role="img" ', 1)
    # Safe: segno builds the markup from our own otpauth URL; nothing user-typed is echoed unescaped.
    return mark_safe(svg)  # noqa: S308


def _grouped_secret(device: TOTPDevice) -> str:
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
