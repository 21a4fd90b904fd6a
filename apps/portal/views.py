"""Portal pages for one business. The middleware has entered the tenant and checked membership."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.mail import send_mail
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.audit.selectors import recent_events
from apps.permissions import check
from apps.permissions.decorators import permission_required_for
from apps.portal.selectors import PORTFOLIO_SORTS, home_todos, portfolio
from apps.tenancy import services
from apps.tenancy.errors import TenancyError
from apps.tenancy.forms import InviteForm, RoleForm, TenantSettingsForm
from apps.tenancy.models import ApiToken, Invitation, Membership, Tenant
from apps.tenancy.selectors import memberships_for, pending_invitations, tenant_members


@login_required
@require_GET
def portal_home(request: HttpRequest) -> HttpResponse:
    """Send a user to their business, or let them choose one."""
    memberships = list(memberships_for(request.user).filter(tenant__status__in=["onboarding", "active"]))
    if len(memberships) == 1:
        return redirect("tenancy:home", tenant_slug=memberships[0].tenant.slug)
    return render(request, "tenancy/choose.html", {"memberships": memberships})


@require_GET
@permission_required_for("tenancy.view_business")
def tenant_home(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    tenant = request.tenant
    return render(
        request,
        "tenancy/home.html",
        {
            "tenant": tenant,
            "home": home_todos(tenant),
            "member_count": Membership.objects.filter(tenant=tenant).count(),
            "pending_invitations": pending_invitations().count(),
            "events": recent_events(tenant.pk, limit=10),
            "can_read_audit_log": check(request.user, "tenancy.read_audit_log", tenant),
        },
    )


@login_required
@require_GET
def portfolio_page(request: HttpRequest) -> HttpResponse:
    """Every business the person is a member of, with what needs doing in each (decision 0042)."""
    sort = request.GET.get("sort") or "risk"
    if sort not in PORTFOLIO_SORTS:
        return render(request, "portal/portfolio.html",
                      {"error": f"Sort by one of: {', '.join(PORTFOLIO_SORTS)}.", "sort": "risk", "rows": [],
                       "columns": [], "sorts": PORTFOLIO_SORTS}, status=400)  # fmt: skip
    columns, rows = portfolio(request.user, sort=sort)
    return render(request, "portal/portfolio.html", {"columns": columns, "rows": rows, "sort": sort,
                                                     "sorts": PORTFOLIO_SORTS})  # fmt: skip


@require_http_methods(["GET", "POST"])
@permission_required_for({"GET": "tenancy.view_business", "POST": "tenancy.change_settings"})
def tenant_settings(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    tenant: Tenant = request.tenant
    editable = check(request.user, "tenancy.change_settings", tenant)
    form = TenantSettingsForm(instance=Tenant.objects.get(pk=tenant.pk))
    if request.method == "POST":
        form = TenantSettingsForm(request.POST, instance=Tenant.objects.get(pk=tenant.pk))
        if form.is_valid():
            services.update_tenant_settings(
                tenant=tenant,
                actor=request.user,
                data={f: form.cleaned_data[f] for f in form.Meta.fields},
            )
            messages.success(request, "Business details saved.")
            return redirect("tenancy:settings", tenant_slug=tenant.slug)
        return render(request, "tenancy/settings.html", {"form": form, "editable": editable}, status=400)
    return render(request, "tenancy/settings.html", {"form": form, "editable": editable})


def _team_page(request: HttpRequest, *, status: int = 200, invite_form: InviteForm | None = None) -> HttpResponse:
    manage = check(request.user, "tenancy.manage_team", request.tenant)
    return render(
        request,
        "tenancy/team.html",
        {
            "members": tenant_members(request.tenant),
            "invitations": pending_invitations() if manage else [],
            "invite_form": invite_form or InviteForm(),
            "can_manage": manage,
            "role_choices": RoleForm.base_fields["role"].choices,
        },
        status=status,
    )


@require_GET
@permission_required_for("tenancy.view_business")
def team(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    return _team_page(request)


def _member_of_this_tenant(request: HttpRequest, membership_id: uuid.UUID) -> Membership:
    membership = Membership.objects.filter(pk=membership_id, tenant=request.tenant).select_related("user").first()
    if membership is None:
        raise Http404("No such team member.")
    return membership


def _refused(request: HttpRequest, error: Exception) -> HttpResponse:
    messages.error(request, str(error))
    return _team_page(request, status=400)


@require_POST
@permission_required_for("tenancy.manage_team")
def change_member_role(request: HttpRequest, tenant_slug: str, membership_id: uuid.UUID) -> HttpResponse:
    membership = _member_of_this_tenant(request, membership_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        return _refused(request, TenancyError("Choose one of the listed roles."))
    try:
        services.change_role(membership=membership, role=form.cleaned_data["role"], actor=request.user)
    except TenancyError as exc:
        return _refused(request, exc)
    messages.success(request, f"{membership.user.email} is now {form.cleaned_data['role']}.")
    return redirect("tenancy:team", tenant_slug=tenant_slug)


@require_POST
@permission_required_for("tenancy.manage_team")
def remove_member(request: HttpRequest, tenant_slug: str, membership_id: uuid.UUID) -> HttpResponse:
    membership = _member_of_this_tenant(request, membership_id)
    try:
        services.remove_member(membership=membership, actor=request.user)
    except TenancyError as exc:
        return _refused(request, exc)
    messages.success(request, f"{membership.user.email} no longer has access to {request.tenant.name}.")
    if membership.user_id == request.user.pk:
        return redirect("portal-home")
    return redirect("tenancy:team", tenant_slug=tenant_slug)


@require_POST
@permission_required_for("tenancy.manage_team")
def invite(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _team_page(request, status=400, invite_form=form)
    try:
        invitation, token = services.invite_member(
            tenant=request.tenant, email=form.cleaned_data["email"], role=form.cleaned_data["role"], actor=request.user
        )
    except TenancyError as exc:
        return _refused(request, exc)
    link = request.build_absolute_uri(
        reverse("invitations:accept", kwargs={"tenant_id": request.tenant.pk, "token": token})
    )
    subject = f"You're invited to {request.tenant.name} on Strongroom"
    body = (
        f"{request.user.get_full_name()} invited you to join {request.tenant.name} as "
        f"{invitation.get_role_display()}.\n\nAccept: {link}\n\nThe link works for "
        f"{settings.INVITATION_VALID_DAYS} days."
    )
    # Only once the invitation has committed: a rolled-back request sends nothing.
    transaction.on_commit(lambda: send_mail(subject, body, None, [invitation.email]))
    messages.success(request, f"Invitation sent to {invitation.email}.")
    return redirect("tenancy:team", tenant_slug=tenant_slug)


@require_POST
@permission_required_for("tenancy.manage_team")
def revoke_invitation(request: HttpRequest, tenant_slug: str, invitation_id: uuid.UUID) -> HttpResponse:
    invitation = Invitation.objects.filter(pk=invitation_id).first()
    if invitation is None:
        raise Http404("No such invitation.")
    try:
        services.revoke_invitation(invitation=invitation, actor=request.user)
    except TenancyError as exc:
        return _refused(request, exc)
    messages.success(request, f"Invitation for {invitation.email} withdrawn.")
    return redirect("tenancy:team", tenant_slug=tenant_slug)


@require_http_methods(["GET", "POST"])
@permission_required_for("tenancy.manage_own_api_tokens")
def api_tokens(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    """A member's own API tokens for this business. A new key is shown once, in this response only."""
    membership = request.membership
    context: dict = {"new_key": None, "error": None}
    if request.method == "POST":
        try:
            token, key = services.create_api_token(
                membership=membership, name=request.POST.get("name", ""), actor=request.user
            )
            context["new_key"], context["new_token"] = key, token
        except TenancyError as exc:
            context["error"] = str(exc)
    context["tokens"] = ApiToken.objects.filter(membership=membership)
    return render(request, "tenancy/api_tokens.html", context, status=400 if context["error"] else 200)


@require_POST
@permission_required_for("tenancy.manage_own_api_tokens")
def revoke_api_token(request: HttpRequest, tenant_slug: str, token_id: uuid.UUID) -> HttpResponse:
    token = ApiToken.objects.filter(pk=token_id, membership=request.membership).select_related("membership").first()
    if token is None:
        raise Http404("No such token.")
    try:
        services.revoke_api_token(token=token, actor=request.user)
    except TenancyError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("tenancy:api-tokens", tenant_slug=tenant_slug)
