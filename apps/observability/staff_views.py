"""/staff/slo/: the SLO dashboard, synthetic checks and degraded-dependency banners (staff with 2FA)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from apps.monitors import banners, sli
from apps.monitors.synthetic import CHECKS
from apps.observability.selectors import degraded_dependencies, synthetic_status
from apps.security_center.views import staff_required

MESSAGE_MAX = 300


def open_breakers() -> list[str] | None:
    """Circuit breakers that are open, from the integrations app when it publishes them (None: not available)."""
    try:
        from apps.integrations.selectors import open_circuit_breakers
    except ImportError:
        return None
    try:
        return [str(b) for b in open_circuit_breakers()]
    except Exception:  # the dashboard must render even when a panel's source fails
        return None


def firing_alerts() -> list[str] | None:
    """Alerts firing in Alertmanager (``ALERTMANAGER_URL``, API v2), or None when not configured or unreachable."""
    url = getattr(settings, "ALERTMANAGER_URL", "")
    if not url:
        return None
    import requests

    try:
        response = requests.get(f"{url.rstrip('/')}/api/v2/alerts", params={"active": "true", "silenced": "false",
                                "inhibited": "false"}, timeout=(1, 2))  # fmt: skip
        response.raise_for_status()
        alerts = response.json()
    except (requests.RequestException, ValueError):
        return None
    return sorted(
        f"{a['labels'].get('alertname', '?')} ({a['labels'].get('severity', '')}): "
        f"{a.get('annotations', {}).get('summary', '')}"
        for a in alerts
        if a.get("labels", {}).get("alertname") != "Watchdog"
    )


def _incidents(statuses, notices, breakers) -> list[str]:
    incidents = [f"Synthetic check “{s.check}” is failing: {s.latest.error}" for s in statuses
                 if s.latest is not None and not s.latest.ok and not s.latest.skipped]  # fmt: skip
    incidents += [f"{banners.DEPENDENCIES[n.dependency].label} marked degraded ({n.get_source_display().lower()}): "
                  f"{n.message}" for n in notices if n.dependency in banners.DEPENDENCIES]  # fmt: skip
    incidents += [f"Circuit breaker open: {b}" for b in breakers or []]
    return incidents


@staff_required
@require_GET
def slo_dashboard(request: HttpRequest) -> HttpResponse:
    return _dashboard(request)


def _dashboard(request: HttpRequest, *, status: int = 200) -> HttpResponse:
    reports = sli.reports()
    statuses = synthetic_status()
    notices = degraded_dependencies()
    breakers = open_breakers()
    alerts = firing_alerts()
    by_key = {n.dependency: n for n in notices}
    return render(
        request,
        "observability/slo_dashboard.html",
        {
            "rows": [{"r": r, "chart": sli.budget_chart(r.points)} for r in reports],
            "statuses": statuses,
            "dependencies": [{"d": d, "notice": by_key.get(d.key)} for d in banners.DEPENDENCIES.values()],
            "incidents": _incidents(statuses, notices, breakers) + [f"Alert firing: {a}" for a in alerts or []],
            "alerts_available": alerts is not None,
            "breakers_available": breakers is not None,
            "embedded": not settings.CELERY_BROKER_URL,
            "message_max": MESSAGE_MAX,
        },
        status=status,
    )


@staff_required
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


@staff_required
@require_POST
def clear_banner(request: HttpRequest, dependency: str) -> HttpResponse:
    if dependency not in banners.DEPENDENCIES:
        raise Http404("No such dependency")
    if banners.clear_degraded(dependency, user=request.user):
        messages.success(request, f"The {banners.DEPENDENCIES[dependency].label} banner is off.")
    else:
        messages.info(request, f"{banners.DEPENDENCIES[dependency].label} was not marked degraded.")
    return redirect("slo:dashboard")


@staff_required
@require_POST
def run_checks(request: HttpRequest) -> HttpResponse:
    """Run the synthetic checks now: in this process in the embedded mode, else queued for the workers."""
    if settings.CELERY_BROKER_URL:
        from apps.monitors.tasks import synthetic_check

        for check in CHECKS:
            synthetic_check.apply_async(kwargs={"check": check}, expires=55)
        messages.success(request, "Synthetic checks queued; results appear within a minute.")
    else:
        from apps.monitors.synthetic import ensure_synthetic_tenant, run_all

        ensure_synthetic_tenant()
        runs = run_all()
        failed = [r.check_name for r in runs if not r.ok and not r.skipped]
        if failed:
            messages.error(request, f"Synthetic checks failing: {', '.join(failed)}.")
        else:
            messages.success(request, "Synthetic checks ran.")
    return redirect("slo:dashboard")
