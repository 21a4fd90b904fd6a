"""Sign-in in two steps (password, then a code when the user has a device) and sign-out.

The password step does not log a user with a confirmed device in: it leaves a
*pending* sign-in in the session (user id, backend, time, next) that the code
step turns into a real login within ``PENDING_LOGIN_SECONDS``.
"""

from __future__ import annotations

import time

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts import selectors, services
from apps.accounts.errors import TwoFactorError
from apps.accounts.forms import (
    LoginForm,
    LoginVerifyForm,
)
from apps.accounts.views._common import (
    INVALID_CREDENTIALS,
    MAX_CODE_FAILURES,
    PENDING_EXPIRED,
    PENDING_LOGIN_SECONDS,
    PENDING_LOGIN_SESSION_KEY,
    TOO_MANY_CODES,
    _after_login_url,
    _clear_pending,
    _next_from,
    _pending_user,
    _with_next,
)


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = _next_from(request)
    if request.method == "GET":
        return render(request, "accounts/login.html", {"form": LoginForm(), "next": next_url})

    form = LoginForm(request.POST)
    if not form.is_valid():
        return render(request, "accounts/login.html", {"form": form, "next": next_url}, status=400)
    # request is required by django-axes, which counts failures and locks out.
    user = authenticate(request, email=form.cleaned_data["email"], password=form.cleaned_data["password"])
    if user is None:
        # Inactive, unknown and wrong password look the same (no account enumeration).
        # A lockout is turned into the 429 page by AxesMiddleware.
        form.add_error(None, INVALID_CREDENTIALS)
        return render(request, "accounts/login.html", {"form": form, "next": next_url}, status=400)

    if selectors.has_confirmed_device(user):
        if request.user.is_authenticated:
            # Someone else (or an unverified session) was signed in here: end that first.
            auth_logout(request)
        request.session.cycle_key()
        request.session[PENDING_LOGIN_SESSION_KEY] = {
            "user_id": user.pk,
            "backend": user.backend,
            "started_at": time.time(),
            "next": next_url,
            "failures": 0,
        }
        return redirect("accounts:login-verify")

    auth_login(request, user)
    return HttpResponseRedirect(_after_login_url(request, next_url))


@sensitive_post_parameters("otp_token", "backup_code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_verify_view(request: HttpRequest) -> HttpResponse:
    """Second step: a code from the app or a backup code.

    Also serves as "step-up" for a signed-in user whose session is not
    verified yet (e.g. sent here by Require2FAMiddleware).
    """
    pending = request.session.get(PENDING_LOGIN_SESSION_KEY)
    step_up = False
    if pending:
        if time.time() - float(pending.get("started_at", 0)) > PENDING_LOGIN_SECONDS:
            _clear_pending(request)
            messages.error(request, PENDING_EXPIRED)
            return redirect(_with_next(reverse("accounts:login"), pending.get("next", "")))
        user = _pending_user(request, pending)
        if user is None:
            _clear_pending(request)
            messages.error(request, PENDING_EXPIRED)
            return redirect("accounts:login")
        next_url = pending.get("next", "")
    elif (
        request.user.is_authenticated
        and not request.user.is_verified()
        and selectors.has_confirmed_device(request.user)
    ):
        user, step_up, next_url = request.user, True, _next_from(request)
    else:
        return redirect(_with_next(reverse("accounts:login"), _next_from(request)))

    context = {"user_email": user.email, "next": next_url if step_up else ""}
    if request.method == "GET":
        return render(request, "accounts/login_verify.html", {**context, "form": LoginVerifyForm()})

    form = LoginVerifyForm(request.POST)
    if not form.is_valid():
        return render(request, "accounts/login_verify.html", {**context, "form": form}, status=400)
    try:
        device = services.verify_second_factor(user, form.token, stage="login")
    except TwoFactorError as error:
        if not step_up:
            pending["failures"] = int(pending.get("failures", 0)) + 1
            if pending["failures"] >= MAX_CODE_FAILURES:
                _clear_pending(request)
                messages.error(request, TOO_MANY_CODES)
                return redirect("accounts:login")
            request.session[PENDING_LOGIN_SESSION_KEY] = pending
        form.add_error(form.token_field, error.message)
        return render(request, "accounts/login_verify.html", {**context, "form": form}, status=400)

    if step_up:
        request.session.cycle_key()
    else:
        _clear_pending(request)
        auth_login(request, user, backend=pending["backend"])
    django_otp.login(request, device)
    return HttpResponseRedirect(_after_login_url(request, next_url))


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    """POST only: a link or an image on another site must not be able to sign people out."""
    auth_logout(request)
    messages.info(request, "You have signed out.")
    return redirect(settings.LOGOUT_REDIRECT_URL)
