"""The link in an invitation email: accept as a signed-in user, or create the invited account.

Nothing about the business is shown until the token proves a pending,
unexpired invitation to it: a guessed or stale link gets the same page, with
no business name, whatever the method. The email address is the
invitation's: a new account is created for exactly that address, and a
signed-in user with another address is told to sign in as the invited one.

In accounts, above tenancy: it signs people in and creates accounts, and sends
an invited owner to set up a second factor (``requires_2fa``).
"""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from apps.accounts.selectors import requires_2fa
from apps.tenancy import services
from apps.tenancy.errors import TenancyError
from apps.tenancy.forms import InvitationSignupForm
from apps.tenancy.models import Invitation, Tenant

NOT_VALID = "This invitation link is not valid any more. Ask for a new one."


def _refused(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
    """The one page for a link that does not work: it names no business."""
    context = {"message": message, "valid_days": settings.INVITATION_VALID_DAYS}
    return render(request, "tenancy/invitation_refused.html", context, status=status)


def _page(request: HttpRequest, mode: str, tenant: Tenant, invitation: Invitation, status: int = 200, **extra):
    context = {"mode": mode, "tenant": tenant, "invitation": invitation, **extra}
    return render(request, "tenancy/accept_invitation.html", context, status=status)


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def accept_invitation(request: HttpRequest, tenant_id: uuid.UUID, token: str) -> HttpResponse:
    refusal_status = 404 if request.method == "GET" else 400
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is None or not tenant.is_open:
        return _refused(request, NOT_VALID, status=404)
    try:
        invitation = services.check_invitation(tenant=tenant, token=token)
    except TenancyError as exc:
        return _refused(request, str(exc), status=refusal_status)

    if request.user.is_authenticated:
        if request.user.email.lower() != invitation.email:
            return _refused(request, services.WRONG_ADDRESS, status=403 if request.method == "GET" else 400)
        if request.method == "GET":
            return _page(request, "accept", tenant, invitation)
        try:
            services.accept_invitation(tenant=tenant, token=token, user=request.user)
        except TenancyError as exc:
            return _refused(request, str(exc), status=400)
        messages.success(request, f"Welcome to {tenant.name}.")
        return redirect("tenancy:home", tenant_slug=tenant.slug)

    if get_user_model().objects.filter(email__iexact=invitation.email).exists():
        # Someone already registered signs in first and comes back here to accept.
        login_url = f"{reverse('accounts:login')}?{urlencode({'next': request.path})}"
        if request.method == "POST":
            return redirect(login_url)
        return _page(request, "sign_in", tenant, invitation, login_url=login_url)
    return _register(request, tenant, invitation, token)


def _register(request: HttpRequest, tenant: Tenant, invitation: Invitation, token: str) -> HttpResponse:
    if request.method == "GET":
        return _page(request, "register", tenant, invitation, form=InvitationSignupForm(email=invitation.email))
    form = InvitationSignupForm(request.POST, email=invitation.email)
    if not form.is_valid():
        return _page(request, "register", tenant, invitation, status=400, form=form)
    try:
        user, _membership = services.register_from_invitation(
            tenant=tenant, token=token, full_name=form.cleaned_data["full_name"], password=form.cleaned_data["password"]
        )
    except TenancyError as exc:
        return _refused(request, str(exc), status=400)
    auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, f"Welcome to {tenant.name}.")
    home = reverse("tenancy:home", kwargs={"tenant_slug": tenant.slug})
    if requires_2fa(user):
        # Owners sign in with a second factor: enrol now, then on to the business.
        return redirect(f"{reverse('accounts:2fa-setup')}?{urlencode({'next': home})}")
    return redirect(home)
