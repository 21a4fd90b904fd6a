"""Reads of the observability app's own records (synthetic runs, degraded dependencies)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import Max, Sum

from apps.observability.models import DegradedDependency, SyntheticRun, TaskRunTally

CHECKS = ("health", "login", "upload", "filing")


@dataclass(frozen=True)
class CheckStatus:
    check: str
    latest: SyntheticRun | None
    last_success_at: datetime | None


def synthetic_status(checks: tuple[str, ...] = CHECKS) -> list[CheckStatus]:
    """Latest run and last success of each check (two indexed queries on PostgreSQL)."""
    last_ok = dict(
        SyntheticRun.objects.filter(ok=True, skipped=False)
        .values_list("check_name")
        .annotate(at=Max("at"))
        .values_list("check_name", "at")
    )
    if connection.vendor == "postgresql":  # each check's latest run in one query, not one per check
        latest = {
            run.check_name: run
            for run in SyntheticRun.objects.filter(check_name__in=checks).order_by("check_name", "-at", "-id")
            .distinct("check_name")
        }  # fmt: skip
    else:
        latest = {c: SyntheticRun.objects.filter(check_name=c).order_by("-at", "-id").first() for c in checks}
    return [CheckStatus(check, latest.get(check), last_ok.get(check)) for check in checks]


def degraded_dependencies() -> list[DegradedDependency]:
    return list(DegradedDependency.objects.order_by("dependency"))


@dataclass(frozen=True)
class RunBucket:
    """Finished runs of one task in one five-minute bucket: how many, and how many within 6 s and 30 s."""

    ends_at: datetime
    total: int
    within_6s: int
    within_30s: int


def task_run_buckets(task: str, since: datetime) -> list[RunBucket]:
    """The buckets that end after ``since``, summed over stripes: one grouped query on the stored tally.

    At most 288 rows a day of window, whatever the number of businesses and documents (decision 0038).
    PostgreSQL only: the tally is kept by triggers there (migration 0006); elsewhere it stays empty.
    """
    rows = (
        TaskRunTally.objects.filter(task_name=task, bucket__gt=since - TaskRunTally.BUCKET)
        .values("bucket")
        .annotate(total=Sum("total"), within_6s=Sum("within_6s"), within_30s=Sum("within_30s"))
        .order_by("bucket")
        .values_list("bucket", "total", "within_6s", "within_30s")
    )
    return [RunBucket(bucket + TaskRunTally.BUCKET, total, fast, slow) for bucket, total, fast, slow in rows if total]
