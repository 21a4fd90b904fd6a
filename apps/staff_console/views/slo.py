"""/staff/slo/: the SLO dashboard, synthetic checks, circuit breakers and degraded-dependency banners."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from apps.integrations import breakers
from apps.monitors import banners, sli
from apps.monitors.services import run_checks_now
from apps.observability.alertmanager import firing_alerts
from apps.observability.selectors import degraded_dependencies, synthetic_status

MESSAGE_MAX = 300


def breaker_panel() -> list[breakers.BreakerStatus] | None:
    """Every breaker as the shared store has it (None when it cannot be read: the panel says so)."""
    try:
        return [breakers.snapshot(key) for key in breakers.KEYS]
    except Exception:  # the dashboard must show the rest when the breakers cannot be read
        return None


def _incidents(statuses, notices, breaker_rows=None) -> list[str]:
    incidents = [f"Synthetic check “{s.check}” is failing: {s.latest.error}" for s in statuses
                 if s.latest is not None and not s.latest.ok and not s.latest.skipped]  # fmt: skip
    incidents += [f"{banners.DEPENDENCIES[n.dependency].label} marked degraded ({n.get_source_display().lower()}): "
                  f"{n.message}" for n in notices if n.dependency in banners.DEPENDENCIES]  # fmt: skip
    incidents += [f"Circuit breaker {b.key} is {b.state.replace('_', '-')} after {b.failures} failures in a row"
                  for b in breaker_rows or [] if b.state != "closed"]  # fmt: skip
    return incidents


@require_GET
def slo_dashboard(request: HttpRequest) -> HttpResponse:
    return _dashboard(request)


def _dashboard(request: HttpRequest, *, status: int = 200) -> HttpResponse:
    reports = sli.reports()
    statuses = synthetic_status()
    notices = degraded_dependencies()
    alerts = firing_alerts()
    by_key = {n.dependency: n for n in notices}
    breaker_rows = breaker_panel()
    return render(
        request,
        "staff_console/slo/dashboard.html",
        {
            "rows": [{"r": r, "chart": sli.budget_chart(r.points)} for r in reports],
            "statuses": statuses,
            "dependencies": [{"d": d, "notice": by_key.get(d.key)} for d in banners.DEPENDENCIES.values()],
            "incidents": _incidents(statuses, notices, breaker_rows) + [f"Alert firing: {a}" for a in alerts or []],
            "breakers": breaker_rows,
            "alerts_available": alerts is not None,
            "embedded": not settings.CELERY_BROKER_URL,
            "message_max": MESSAGE_MAX,
        },
        status=status,
    )


@require_POST
def set_banner(request: HttpRequest, dependency: str) -> HttpResponse:
    if dependency not in banners.DEPENDENCIES:
        raise Http404("No such dependency")
    message = request.POST.get("message", "").strip()
    if len(message) > MESSAGE_MAX:
        messages.error(request, f"The message is too long ({len(message)} characters; at most {MESSAGE_MAX}).")
        return _dashboard(request, status=400)
    banners.set_degraded(dependency, message=message, source="staff", user=request.user)
    messages.success(request, f"{banners.DEPENDENCIES[dependency].label} is marked degraded; users see the banner.")
    return redirect("slo:dashboard")


@require_POST
def clear_banner(request: HttpRequest, dependency: str) -> HttpResponse:
    if dependency not in banners.DEPENDENCIES:
        raise Http404("No such dependency")
    if banners.clear_degraded(dependency, user=request.user):
        messages.success(request, f"The {banners.DEPENDENCIES[dependency].label} banner is off.")
    else:
        messages.info(request, f"{banners.DEPENDENCIES[dependency].label} was not marked degraded.")
    return redirect("slo:dashboard")


@require_POST
def run_checks(request: HttpRequest) -> HttpResponse:
    """Run the synthetic checks now: in this process in the embedded mode, else queued for the workers."""
    failed = run_checks_now()
    if failed is None:
        messages.success(request, "Synthetic checks queued; results appear within a minute.")
    elif failed:
        messages.error(request, f"Synthetic checks failing: {', '.join(failed)}.")
    else:
        messages.success(request, "Synthetic checks ran.")
    return redirect("slo:dashboard")
