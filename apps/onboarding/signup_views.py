"""Public sign-up at /signup/: account and business in one form, then 2FA enrolment, then the wizard.

Owners must use a second factor (Require2FAMiddleware), so the new owner is
sent to enrol first, with the wizard as ``next``. Sign-ups are rate limited
per client address (the login page has django-axes; this page has no
password to guess, but it must not become an account factory or an oracle
for which addresses have accounts).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited

from apps.observability.middleware import client_ip
from apps.onboarding.errors import SignupError
from apps.onboarding.forms import SignupForm
from apps.onboarding.services.signup import sign_up

RATE_LIMITED = "Too many sign-ups from your network in the last hour. Please try again later."


def _client_address(group: str, request: HttpRequest) -> str:
    """The limiter's key: the client address as the observability middleware resolves it behind our proxies."""
    return client_ip(request) or "unknown"


def _rate_limited(request: HttpRequest) -> bool:
    """Count this attempt; True once the address has used up its sign-ups for the hour (django-ratelimit)."""
    return is_ratelimited(
        request,
        group="onboarding:signup",
        key=_client_address,
        rate=f"{settings.SIGNUP_RATE_LIMIT_PER_HOUR}/h",
        method="POST",
        increment=True,
    )


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "onboarding/signup.html", {"form": SignupForm()})
    if _rate_limited(request):
        return render(request, "onboarding/signup.html", {"form": SignupForm(), "error": RATE_LIMITED}, status=429)
    form = SignupForm(request.POST)
    if not form.is_valid():
        return render(request, "onboarding/signup.html", {"form": form}, status=400)
    try:
        user, tenant = sign_up(**form.cleaned_data)
    except SignupError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        return render(request, "onboarding/signup.html", {"form": form}, status=400)
    if request.user.is_authenticated:
        auth_logout(request)  # someone else was signed in on this browser
    auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    wizard = reverse("onboarding:start", kwargs={"tenant_slug": tenant.slug})
    return redirect(f"{reverse('accounts:2fa-setup')}?{urlencode({'next': wizard})}")
