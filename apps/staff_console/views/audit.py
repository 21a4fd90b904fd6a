"""/staff/audit/: the platform chain's events and every chain's verification."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.audit.models import PLATFORM_CHAIN
from apps.audit.selectors import recent_events
from apps.staff_console.selectors import audit_chain_reports


@require_GET
def platform_audit_log(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "staff_console/audit/platform.html",
        {"events": recent_events(PLATFORM_CHAIN, limit=100), "chains": audit_chain_reports()},
    )
