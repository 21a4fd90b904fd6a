"""Console home and the businesses: reaching into one needs an audited, reasoned, time-boxed grant."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from apps.audit.models import PLATFORM_CHAIN
from apps.audit.selectors import recent_events, verify_chain
from apps.documents.selectors import latest_reconciliation
from apps.staff_console.selectors import platform_summary, tenants_with_member_counts
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

ACCESS_TEMPLATE = "staff_console/tenants/access.html"


def access_form(request: HttpRequest, tenant: Tenant) -> HttpResponse:
    """The page asking why access is needed (shown wherever a business's data would be)."""
    return render(request, ACCESS_TEMPLATE, {"tenant": tenant, "form": StaffAccessForm()})


@require_GET
def console_home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "staff_console/home.html",
        {
            "summary": platform_summary(),
            "platform_chain": verify_chain(PLATFORM_CHAIN),
            "events": recent_events(PLATFORM_CHAIN, limit=15),
            "reconciliation": latest_reconciliation(),
        },
    )


@require_GET
def tenant_list(request: HttpRequest) -> HttpResponse:
    return render(request, "staff_console/tenants/list.html", {"tenants": tenants_with_member_counts()})


@require_GET
def tenant_detail(request: HttpRequest, tenant_id: uuid.UUID) -> HttpResponse:
    tenant = get_object_or_404(Tenant, pk=tenant_id)
    try:
        with staff_tenant_context(request, tenant):
            return render(
                request,
                "staff_console/tenants/detail.html",
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
        return access_form(request, tenant)


@require_POST
def request_tenant_access(request: HttpRequest, tenant_id: uuid.UUID) -> HttpResponse:
    tenant = get_object_or_404(Tenant, pk=tenant_id)
    form = StaffAccessForm(request.POST)
    if not form.is_valid():
        return render(request, ACCESS_TEMPLATE, {"tenant": tenant, "form": form}, status=400)
    expires = grant_staff_access(request, tenant, form.cleaned_data["reason"])
    messages.success(request, f"Access to {tenant.name} granted until {expires:%H:%M}. It is in their audit log.")
    return redirect("staff:tenant", tenant_id=tenant.pk)


@require_POST
def end_tenant_access(request: HttpRequest, tenant_id: uuid.UUID) -> HttpResponse:
    tenant = get_object_or_404(Tenant, pk=tenant_id)
    revoke_staff_access(request, tenant)
    messages.info(request, f"Access to {tenant.name} ended.")
    return redirect("staff:tenants")
