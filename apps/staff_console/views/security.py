"""/staff/security/: every security check across the platform, its evidence and the compliance checklist.

Platform scope: the platform's results computed now, and for the per-business
checks how many businesses had each status in the last recorded run (counts,
never another business's figures). Issue #15, decision 0027.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.permissions.decorators import permission_required_for
from apps.security_center.center import presenters
from apps.security_center.views import evidence_response


@require_GET
@permission_required_for("staff.view_security_center")
def security_center(request: HttpRequest) -> HttpResponse:
    return render(request, "staff_console/security/center.html", presenters.page(None))


@require_GET
@permission_required_for("staff.view_security_center")
def evidence(request: HttpRequest, check_id: str) -> HttpResponse:
    return evidence_response(request, check_id, None, "staff_console/security/evidence.html", {})
