"""/t/<business>/audit/: the business's own audit log, filtered and paginated, with its chain's verification."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.audit.views import log_context
from apps.permissions.decorators import permission_required_for


@require_GET
@permission_required_for("tenancy.read_audit_log")
def audit_log(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    context, status = log_context(request, request.tenant.pk)
    context |= {"tenant": request.tenant, "chain_name": "this business's log"}
    return render(request, "tenancy/audit.html", context, status=status)
