"""The staff console. Staff need 2FA; reaching into a tenant needs an audited, reasoned grant."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from apps.audit.models import PLATFORM_CHAIN
from apps.audit.selectors import recent_events, verify_chain
from apps.documents.selectors import latest_reconciliation
from apps.security_center.selectors import audit_chain_reports, platform_summary, tenants_with_member_counts
from apps.tenancy.forms import StaffAccessForm
from apps.tenancy.models import Tenant
from apps.tenancy.selectors import pending_invitations, tenant_members
from apps.tenancy.staff_access import (
    StaffAccessRequired,
    active_grant,
    grant_staff_access,
    revoke_staff_access,
    staff_tenant_context,
)


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Staff with a 2FA-verified session; everyone else gets a 403 (anonymous: the login page)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        if not (request.user.is_staff and request.user.is_verified()):
            raise PermissionDenied(
                "The staff console is for Strongroom staff signed in with two-factor authentication."
            )
        return view(request, *args, **kwargs)

    return wrapper


@staff_required
@require_GET
def console_home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "security_center/home.html",
        {
            "summary": platform_summary(),
            "platform_chain": verify_chain(PLATFORM_CHAIN),
            "events": recent_events(PLATFORM_CHAIN, limit=15),
            "reconciliation": latest_reconciliation(),
        },
    )


@staff_required
@require_GET
def tenant_list(request: HttpRequest) -> HttpResponse:
    return render(request, "security_center/tenants.html", {"tenants": tenants_with_member_counts()})


@staff_required
@require_GET
def tenant_detail(request: HttpRequest, tenant_id: uuid.UUID) -> HttpResponse:
    tenant = get_object_or_404(Tenant, pk=tenant_id)
    try:
        with staff_tenant_context(request, tenant):
            return render(
                request,
                "security_center/tenant_detail.html",
                {
                    "tenant": tenant,
                    "expires": active_grant(request, tenant),
                    "members": tenant_members(tenant),
                    "invitations": list(pending_invitations()),
                    "events": recent_events(tenant.pk, limit=25),
                    "chain": verify_chain(tenant.pk),
                },
            )
    except StaffAccessRequired:
        return render(request, "security_center/tenant_access.html", {"tenant": tenant, "form": StaffAccessForm()})


@staff_required
@require_POST
def request_tenant_access(request: HttpRequest, tenant_id: uuid.UUID) -> HttpResponse:
    tenant = get_object_or_404(Tenant, pk=tenant_id)
    form = StaffAccessForm(request.POST)
    if not form.is_valid():
        return render(request, "security_center/tenant_access.html", {"tenant": tenant, "form": form}, status=400)
    expires = grant_staff_access(request, tenant, form.cleaned_data["reason"])
    messages.success(request, f"Access to {tenant.name} granted until {expires:%H:%M}. It is in their audit log.")
    return redirect("staff:tenant", tenant_id=tenant.pk)


@staff_required
@require_POST
def end_tenant_access(request: HttpRequest, tenant_id: uuid.UUID) -> HttpResponse:
    tenant = get_object_or_404(Tenant, pk=tenant_id)
    revoke_staff_access(request, tenant)
    messages.info(request, f"Access to {tenant.name} ended.")
    return redirect("staff:tenants")


@staff_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "security_center/audit.html",
        {"events": recent_events(PLATFORM_CHAIN, limit=100), "chains": audit_chain_reports()},
    )
