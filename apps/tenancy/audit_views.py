"""/t/<business>/audit/: the business's own audit log, filtered and paginated, with its chain's verification."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.audit.views import log_context
from apps.tenancy.permissions import can_read_audit_log, require


@require_GET
def audit_log(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    require(
        can_read_audit_log(request.membership),
        "Only an owner or the accountant of this business can read its audit log.",
    )
    context, status = log_context(request, request.tenant.pk)
    context |= {"tenant": request.tenant, "chain_name": "this business's log"}
    return render(request, "tenancy/audit.html", context, status=status)
