"""Reads of the recorded check runs and verifications (decision 0027)."""

from __future__ import annotations

import uuid
from collections import defaultdict

from django.db.models import Q

from apps.security_center.models import ChainVerification, CheckRecord, CheckRun

HISTORY_RUNS = 12


def last_run() -> CheckRun | None:
    """The last finished run of every scope (the platform and every business)."""
    return CheckRun.objects.filter(finished_at__isnull=False, tenant_id__isnull=True).order_by("-started_at").first()


def last_run_for(tenant_id: uuid.UUID | None) -> CheckRun | None:
    """The last finished run holding this scope's results: a full run, or (a business) one of its own."""
    if tenant_id is None:
        return last_run()
    runs = CheckRun.objects.filter(Q(tenant_id__isnull=True) | Q(tenant_id=tenant_id), finished_at__isnull=False)
    return runs.order_by("-started_at").first()


def records_of(run: CheckRun | None, tenant_id: uuid.UUID | None) -> dict[str, CheckRecord]:
    """The run's result of each check in one scope, by check id."""
    if run is None:
        return {}
    return {r.check_id: r for r in CheckRecord.objects.filter(run=run, tenant_id=tenant_id)}


def last_verification() -> ChainVerification | None:
    return ChainVerification.objects.order_by("-verified_at").first()


def history(tenant_id: uuid.UUID | None, runs: int = HISTORY_RUNS) -> dict[str, list[CheckRecord]]:
    """Each check's recorded results in this scope over the last ``runs`` runs holding it, oldest first."""
    scope = Q(tenant_id__isnull=True) if tenant_id is None else Q(tenant_id__isnull=True) | Q(tenant_id=tenant_id)
    recent = list(CheckRun.objects.filter(scope, finished_at__isnull=False).order_by("-started_at")[:runs])
    found: dict[str, list[CheckRecord]] = defaultdict(list)
    records = (
        CheckRecord.objects.filter(run__in=recent, tenant_id=tenant_id)
        .select_related("run")
        .order_by("run__started_at", "check_id")
    )
    for record in records:
        found[record.check_id].append(record)
    return dict(found)


def across_businesses(run: CheckRun | None) -> dict[str, dict[str, int]]:
    """For the staff page: per check, how many businesses had each status in ``run`` (counts only)."""
    if run is None:
        return {}
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    rows = CheckRecord.objects.filter(run=run, tenant_id__isnull=False).values_list("check_id", "status")
    for check_id, status in rows:
        counts[check_id][status] = counts[check_id].get(status, 0) + 1
    return dict(counts)
