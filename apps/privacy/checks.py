"""The security center's privacy checks: the retention job's last runs, and open requests against the deadline."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from apps.privacy import selectors
from apps.privacy.models import PrivacyRequest
from apps.security_center.checks import Check, CheckResult, Scope, Status

RUN_OVERDUE_AFTER = timedelta(hours=36)  # the job runs daily


def retention(tenant=None) -> CheckResult:
    last = selectors.last_run()
    evidence = reverse("staff-privacy:retention")
    if last is None:
        return CheckResult(Status.FAIL, "the retention job has never run", {"runs": 0}, evidence)
    age = timezone.now() - last.finished_at
    due = sum(c.get("due", 0) for c in last.counts.values())
    deleted = sum(c.get("deleted", 0) for c in last.counts.values())
    figures = {
        "last_run": last.finished_at.isoformat(),
        "dry_run": last.dry_run,
        "due": due,
        "deleted": deleted,
        "overdue": age > RUN_OVERDUE_AFTER,
        "enabled": settings.PRIVACY_RETENTION_ENABLED,
        "counts": last.counts,
    }
    mode = "dry run" if last.dry_run else "applied"
    summary = f"last run {last.finished_at:%Y-%m-%d %H:%M} ({mode}): {due} due, {deleted} deleted"
    if age > RUN_OVERDUE_AFTER:
        return CheckResult(Status.FAIL, f"overdue: {summary}", figures, evidence)
    if last.dry_run:
        return CheckResult(
            Status.WARN, f"{summary}; deletion is not enabled (PRIVACY_RETENTION_ENABLED)", figures, evidence
        )
    return CheckResult(Status.PASS, summary, figures, evidence)


def requests(tenant=None) -> CheckResult:
    open_ = selectors.open_requests()
    if tenant is not None:
        open_ = open_.filter(subject_tenant=tenant)
    now = timezone.now()
    rows = list(open_.values_list("kind", "created_at", "due_at"))
    overdue = sum(1 for _, _, due in rows if due < now)
    oldest_days = max(((now - created).days for _, created, _ in rows), default=0)
    figures = {
        "open": len(rows),
        "access": sum(1 for k, _, _ in rows if k == PrivacyRequest.Kind.ACCESS),
        "erasure": sum(1 for k, _, _ in rows if k == PrivacyRequest.Kind.ERASURE),
        "overdue": overdue,
        "oldest_days": oldest_days,
        "deadline_days": settings.PRIVACY_REQUEST_DEADLINE_DAYS,
    }
    evidence = reverse("staff-privacy:requests") if tenant is None else ""
    summary = f"{len(rows)} open requests, {overdue} past the one-month deadline (oldest {oldest_days} days)"
    if overdue:
        return CheckResult(Status.FAIL, summary, figures, evidence)
    if oldest_days > settings.PRIVACY_REQUEST_DEADLINE_DAYS // 2:
        return CheckResult(Status.WARN, summary, figures, evidence)
    return CheckResult(Status.PASS, summary, figures, evidence)


CHECKS = [
    Check(
        id="privacy.retention",
        title="Retention job",
        area="privacy",
        scope=Scope.PLATFORM,
        compute=retention,
        controls=("GDPR Art. 5(1)(e)", "GDPR Art. 30", "SOC 2 CC6.5"),
    ),
    Check(
        id="privacy.requests",
        title="Access and erasure requests",
        area="privacy",
        scope=Scope.BOTH,
        compute=requests,
        controls=("GDPR Art. 12(3)", "GDPR Art. 15", "GDPR Art. 17"),
    ),
]
