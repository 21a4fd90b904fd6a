"""/staff/slo/chaos/: the chaos experiment runs (``manage.py chaos``), newest first, and one run's journal."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from apps.monitors.chaos import latest_chaos_runs, recent_chaos_runs
from apps.monitors.models import ChaosRun
from apps.permissions.decorators import permission_required_for


@require_GET
@permission_required_for("staff.view_chaos_runs")
def chaos_runs(request: HttpRequest) -> HttpResponse:
    return render(
        request, "staff_console/chaos/runs.html", {"latest": latest_chaos_runs(), "runs": recent_chaos_runs()}
    )


@require_GET
@permission_required_for("staff.view_chaos_runs")
def chaos_run(request: HttpRequest, run_id: int) -> HttpResponse:
    run = get_object_or_404(ChaosRun, pk=run_id)
    activities = [
        {"name": a.get("activity", {}).get("name", ""), "status": a.get("status", ""),
         "duration": a.get("duration"), "output": json.dumps(a.get("output"), default=str)[:500]}
        for a in (run.journal.get("run") or [])
    ]  # fmt: skip
    return render(request, "staff_console/chaos/run.html", {"run": run, "activities": activities,
                                                             "figures": sorted(run.figures.items())})  # fmt: skip
