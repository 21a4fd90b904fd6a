"""/staff/security/: every security check across the platform, its evidence and the compliance checklist.

Platform scope: the platform's results as the last recorded run left them (a
GET never runs a check; decision 0037), and for the per-business checks how
many businesses had each status in that run (counts, never another business's
figures). The buttons queue a run or a verification of the audit chains now.
Issue #15, decisions 0027 and 0037.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from apps.permissions.decorators import permission_required_for
from apps.security_center.center import presenters
from apps.security_center.center.requests import request_chain_verification, request_check_run
from apps.security_center.views import evidence_response


@require_GET
@permission_required_for("staff.view_security_center")
def security_center(request: HttpRequest) -> HttpResponse:
    context = presenters.page(None) | {"run_url": reverse("staff-security:run")}
    return render(request, "staff_console/security/center.html", context)


@require_POST
@permission_required_for("staff.view_security_center")
def run_checks_now(request: HttpRequest) -> HttpResponse:
    """Queue a run of every check (platform and every business); audited, never run during the request."""
    request_check_run(user=request.user)
    messages.success(request, "The security checks were queued; this page shows their results when the run ends.")
    return redirect("staff-security:center")


@require_POST
@permission_required_for("staff.view_security_center")
def verify_chains_now(request: HttpRequest) -> HttpResponse:
    """Queue a verification of every audit chain from its checkpoint; audited. Back to the page it came from."""
    request_chain_verification(user=request.user)
    messages.success(request, "Verification of the audit chains was queued; the result appears when it ends.")
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}) and back.startswith("/staff/"):
        return redirect(back)
    return redirect("staff-security:center")


@require_GET
@permission_required_for("staff.view_security_center")
def evidence(request: HttpRequest, check_id: str) -> HttpResponse:
    return evidence_response(request, check_id, None, "staff_console/security/evidence.html", {})
