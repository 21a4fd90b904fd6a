"""Reads of the observability app's own records (synthetic runs, degraded dependencies)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Max

from apps.observability.models import DegradedDependency, SyntheticRun

CHECKS = ("health", "login", "upload", "filing")


@dataclass(frozen=True)
class CheckStatus:
    check: str
    latest: SyntheticRun | None
    last_success_at: datetime | None


def synthetic_status(checks: tuple[str, ...] = CHECKS) -> list[CheckStatus]:
    """Latest run and last success of each check (a handful of indexed queries)."""
    last_ok = dict(
        SyntheticRun.objects.filter(ok=True, skipped=False)
        .values_list("check_name")
        .annotate(at=Max("at"))
        .values_list("check_name", "at")
    )
    statuses = []
    for check in checks:
        latest = SyntheticRun.objects.filter(check_name=check).order_by("-at").first()
        statuses.append(CheckStatus(check, latest, last_ok.get(check)))
    return statuses


def degraded_dependencies() -> list[DegradedDependency]:
    return list(DegradedDependency.objects.order_by("dependency"))
