"""/staff/backups/: the backup catalog, the restore drills with their RTO/RPO trend, and "Run drill now"."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from apps.backups import presenters
from apps.backups.errors import DrillAlreadyQueued
from apps.backups.services.drills import request_drill
from apps.permissions import check
from apps.permissions.decorators import permission_required_for


def _page(request: HttpRequest, *, status: int = 200) -> HttpResponse:
    context = presenters.console()
    context["can_run_drill"] = check(request.user, "staff.run_restore_drill")
    return render(request, "staff_console/backups/catalog.html", context, status=status)


@require_GET
@permission_required_for("staff.use_console")
def catalog(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
@permission_required_for("staff.run_restore_drill")
def run_drill(request: HttpRequest) -> HttpResponse:
    """Queue a drill of the latest backup (request_drill audits it); one at a time, so a second is a 409."""
    try:
        request_drill(user=request.user)
    except DrillAlreadyQueued as refused:
        messages.error(request, refused.message)
        return _page(request, status=409)
    messages.success(request, "Restore drill queued on the maintenance queue; its result appears below.")
    return redirect("staff-backups:catalog")
