"""/staff/audit/: the platform chain's log and every chain's stored verification; one business's log behind a grant.

Nothing here verifies a chain (decision 0037): the pages read each chain's checkpoint.
"""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from apps.audit.models import PLATFORM_CHAIN
from apps.audit.views import log_context
from apps.permissions.access import staff_tenant_context
from apps.security_center.selectors import chain_statuses
from apps.tenancy.models import Tenant


@require_GET
def platform_audit_log(request: HttpRequest) -> HttpResponse:
    context, status = log_context(request, PLATFORM_CHAIN)
    context |= {"chains": chain_statuses(), "chain_name": "the platform log", "show_request": True}
    return render(request, "staff_console/audit/platform.html", context, status=status)


@require_GET
def tenant_audit_log(request: HttpRequest, tenant_id: uuid.UUID) -> HttpResponse:
    """A business's own chain, read like its owners read it; only under elevated access (404 without)."""
    tenant = get_object_or_404(Tenant, pk=tenant_id)
    with staff_tenant_context(request, tenant) as elevation:
        context, status = log_context(request, tenant.pk)
        context |= {
            "tenant": tenant,
            "elevation": elevation,
            "chain_name": f"{tenant.name}'s log",
            "show_request": True,
        }
        return render(request, "staff_console/audit/tenant.html", context, status=status)
