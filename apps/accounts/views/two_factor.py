"""Two-factor set-up (TOTP with an inline-SVG QR code, backup codes) and management."""

from __future__ import annotations

from typing import Any

import django_otp
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts import selectors, services
from apps.accounts.errors import TwoFactorError, TwoFactorRequiredError
from apps.accounts.forms import (
    RegenerateBackupCodesForm,
    RemoveTwoFactorForm,
    TOTPConfirmForm,
)
from apps.accounts.views._common import (
    BACKUP_CODES_SESSION_KEY,
    _after_login_url,
    _grouped_secret,
    _needs_step_up,
    _next_from,
    _qr_svg,
    _with_next,
)


@sensitive_post_parameters("otp_token")
@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_setup_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    next_url = _next_from(request)
    if selectors.has_confirmed_totp_device(user):
        messages.info(request, "Two-factor authentication is already set up.")
        return redirect("accounts:2fa")
    device = services.enrol_totp_device(user)

    form = TOTPConfirmForm(request.POST) if request.method == "POST" else TOTPConfirmForm()
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                codes = services.confirm_totp_device(user, device, form.cleaned_data["otp_token"])
            except TwoFactorError as error:
                form.add_error("otp_token", error.message)
            else:
                request.session.cycle_key()
                django_otp.login(request, device)
                request.session[BACKUP_CODES_SESSION_KEY] = codes
                messages.success(request, "Two-factor authentication is on.")
                return redirect(_with_next(reverse("accounts:2fa-backup-codes"), next_url))
    context = {"form": form, "qr_svg": _qr_svg(device), "secret": _grouped_secret(device), "next": next_url}
    return render(request, "accounts/2fa_setup.html", context, status=status)


@login_required
@never_cache
@require_GET
def backup_codes_view(request: HttpRequest) -> HttpResponse:
    """The new codes, once: they are removed from the session as they are shown."""
    codes = request.session.pop(BACKUP_CODES_SESSION_KEY, None)
    if not codes:
        messages.info(request, "Backup codes are shown only once. If you lost them, generate new ones.")
        return redirect("accounts:2fa")
    continue_url = _after_login_url(request, _next_from(request))
    return render(request, "accounts/2fa_backup_codes.html", {"codes": codes, "continue_url": continue_url})


def _manage_context(request: HttpRequest, **forms: Any) -> dict[str, Any]:
    user = request.user
    return {
        "totp_devices": list(selectors.confirmed_totp_devices(user)),
        "has_device": selectors.has_confirmed_device(user),
        "backup_codes_remaining": selectors.backup_codes_remaining(user),
        "removal_allowed": not selectors.requires_2fa(user),
        "regenerate_form": forms.get("regenerate_form") or RegenerateBackupCodesForm(),
        "remove_form": forms.get("remove_form") or RemoveTwoFactorForm(),
    }


@login_required
@never_cache
@require_GET
def two_factor_manage_view(request: HttpRequest) -> HttpResponse:
    if response := _needs_step_up(request):
        return response
    return render(request, "accounts/2fa_manage.html", _manage_context(request))


@sensitive_post_parameters("otp_token")
@login_required
@never_cache
@require_POST
def regenerate_backup_codes_view(request: HttpRequest) -> HttpResponse:
    if response := _needs_step_up(request):
        return response
    form = RegenerateBackupCodesForm(request.POST)
    if form.is_valid():
        try:
            codes = services.regenerate_backup_codes(request.user, token=form.cleaned_data["otp_token"])
        except TwoFactorError as error:
            form.add_error("otp_token", error.message)
        else:
            request.session[BACKUP_CODES_SESSION_KEY] = codes
            messages.success(request, "New backup codes generated. The old ones no longer work.")
            return redirect("accounts:2fa-backup-codes")
    return render(request, "accounts/2fa_manage.html", _manage_context(request, regenerate_form=form), status=400)


@sensitive_post_parameters("password", "otp_token")
@login_required
@never_cache
@require_POST
def remove_two_factor_view(request: HttpRequest) -> HttpResponse:
    if response := _needs_step_up(request):
        return response
    form = RemoveTwoFactorForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.remove_two_factor(
                request.user, password=form.cleaned_data["password"], token=form.cleaned_data["otp_token"]
            )
        except TwoFactorRequiredError as error:
            form.add_error(None, error.message)
            status = 403
        except TwoFactorError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "Two-factor authentication has been removed from your account.")
            return redirect("accounts:2fa")
    return render(request, "accounts/2fa_manage.html", _manage_context(request, remove_form=form), status=status)
