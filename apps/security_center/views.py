"""Settings → Security: a business's own security center, and the evidence behind each figure (decision 0027)."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from apps.permissions.decorators import permission_required_for
from apps.security_center.center import presenters
from apps.security_center.center.requests import request_check_run


def evidence_response(request: HttpRequest, check_id: str, tenant, template: str, extra: dict) -> HttpResponse:
    """The evidence of one check in this scope: a table, or a CSV download with ``?format=csv``; 404 if none."""
    try:
        title, evidence = presenters.evidence(check_id, tenant)
    except presenters.UnknownEvidence:
        raise Http404("No evidence for that check here.") from None
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{check_id}-evidence.csv"'
        writer = csv.writer(response)
        writer.writerow(evidence.columns)
        writer.writerows(evidence.rows)
        return response
    links = evidence.links or [""] * len(evidence.rows)
    context = {
        "check_id": check_id,
        "title": title,
        "evidence": evidence,
        "rows": list(zip(evidence.rows, links, strict=True)),
    }
    return render(request, template, context | extra)


@require_GET
@permission_required_for("security.view_business_center")
def security_center(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    """The business's checks as the last recorded run left them: a GET never runs a check (decision 0037)."""
    run_url = reverse("security:run", kwargs={"tenant_slug": request.tenant.slug})
    return render(request, "security_center/business.html", presenters.page(request.tenant) | {"run_url": run_url})


@require_POST
@permission_required_for("security.view_business_center")
def run_checks_now(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    """Queue a run of this business's checks (audited on its chain); the page shows it when it ends."""
    request_check_run(user=request.user, tenant=request.tenant)
    messages.success(request, "The security checks were queued; this page shows their results when the run ends.")
    return redirect("security:center", tenant_slug=request.tenant.slug)


@require_GET
@permission_required_for("security.view_business_center")
def evidence(request: HttpRequest, tenant_slug: str, check_id: str) -> HttpResponse:
    return evidence_response(request, check_id, request.tenant, "security_center/business_evidence.html", {})
