"""The security center's ``backups.status`` check: the last backup and the last restore drill (decision 0027).

It lives here, not in the security center, because the security center sits
below backups in the layers; ``BackupsConfig.ready`` registers it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from apps.backups import selectors
from apps.backups.models import PG_KINDS, BackupKind
from apps.security_center.checks import Check, CheckResult, Scope, Status

if TYPE_CHECKING:
    from apps.tenancy.models import Tenant

DATABASE_KINDS = (*PG_KINDS, BackupKind.SQLITE)
WARN_AFTER = timedelta(hours=3)  # the hourly PostgreSQL backup missed twice (BackupStale alert)
FAIL_AFTER = timedelta(hours=26)  # not even the daily one


def _evidence_url(tenant: Tenant | None) -> str:
    try:
        if tenant is None:
            return reverse("staff-backups:catalog")
        return reverse("backups:data", kwargs={"tenant_slug": tenant.slug})
    except NoReverseMatch:
        return ""


def backup_status(tenant: Tenant | None) -> CheckResult:
    """PASS: a database backup within 3 h and a restore drill passed within the drill age; worse otherwise."""
    now = timezone.now()
    url = _evidence_url(tenant)
    last = selectors.last_successful(DATABASE_KINDS)
    drill = selectors.last_passed_drill()
    figures = {
        "backup_age_hours": round((now - last.finished_at).total_seconds() / 3600, 1) if last else None,
        "drill_age_days": round((now - drill.finished_at).total_seconds() / 86400, 1) if drill else None,
    }
    if last is None:
        if not settings.BACKUP_ENABLED:
            return CheckResult(Status.WARN, "Backups are not configured on this installation", figures, url)
        return CheckResult(Status.FAIL, "No database backup has succeeded yet", figures, url)
    age = now - last.finished_at
    backup = f"last database backup {figures['backup_age_hours']} h ago"
    if age > FAIL_AFTER:
        return CheckResult(Status.FAIL, f"Stale: {backup}", figures, url)
    max_drill_age = timedelta(days=settings.RESTORE_DRILL_MAX_AGE_DAYS)
    if drill is None or now - drill.finished_at > max_drill_age:
        drilled = (
            "no restore drill has passed" if drill is None else f"last passed drill {figures['drill_age_days']} d ago"
        )
        return CheckResult(Status.WARN, f"{backup}; {drilled}", figures, url)
    summary = f"{backup}; last passed restore drill {figures['drill_age_days']} d ago"
    return CheckResult(Status.WARN if age > WARN_AFTER else Status.PASS, summary, figures, url)


BACKUP_CHECK = Check(
    "backups.status",
    "Backups and restore drills",
    "backups",
    Scope.BOTH,
    backup_status,
    ("SOC 2 CC7.5", "SOC 2 CC6.7", "GDPR Art. 32(1)(c)"),
)
