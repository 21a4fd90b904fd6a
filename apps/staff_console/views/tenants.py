"""Console home and the businesses: reaching into one needs elevated access someone else approved (404 without)."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from apps.audit.models import PLATFORM_CHAIN
from apps.audit.selectors import chain_status, recent_events
from apps.documents.selectors import latest_reconciliation
from apps.permissions.access import staff_tenant_context
from apps.permissions.selectors import elevated_tenant_ids
from apps.staff_console.selectors import platform_summary, tenants_with_member_counts
from apps.tenancy.models import Tenant
from apps.tenancy.selectors import pending_invitations, tenant_members


@require_GET
def console_home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "staff_console/home.html",
        {
            "summary": platform_summary(),
            "platform_chain": chain_status(PLATFORM_CHAIN),
            "events": recent_events(PLATFORM_CHAIN, limit=15),
            "reconciliation": latest_reconciliation(),
        },
    )


@require_GET
def tenant_list(request: HttpRequest) -> HttpResponse:
    context = {"tenants": tenants_with_member_counts(), "elevated": elevated_tenant_ids(request.user)}
    return render(request, "staff_console/tenants/list.html", context)


@require_GET
def tenant_detail(request: HttpRequest, tenant_id: uuid.UUID) -> HttpResponse:
    tenant = get_object_or_404(Tenant, pk=tenant_id)
    with staff_tenant_context(request, tenant) as elevation:
        return render(
            request,
            "staff_console/tenants/detail.html",
            {
                "tenant": tenant,
                "elevation": elevation,
                "members": tenant_members(tenant),
                "invitations": list(pending_invitations()),
                "events": recent_events(tenant.pk, limit=25),
                "chain": chain_status(tenant.pk),
            },
        )
