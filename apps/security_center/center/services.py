"""Writes of the security center: recording audit-chain verifications and check runs (decision 0027)."""

from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from apps.audit.selectors import ChainReport, verify_chain
from apps.security_center.checks import run_checks
from apps.security_center.models import ChainVerification, CheckRecord, CheckRun
from apps.security_center.selectors import all_chains
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Tenant


def record_chain_verification(reports: list[ChainReport], *, trigger: str, seconds: float) -> ChainVerification:
    """Keep the outcome of verifying every chain, so the page and the gauges show status and age."""
    broken = [r for r in reports if not r.ok]
    first = broken[0].describe() if broken else ""
    return ChainVerification.objects.create(
        verified_at=timezone.now(),
        trigger=trigger,
        chains=len(reports),
        events=sum(r.events for r in reports),
        ok=not broken,
        broken_chains=[str(r.chain) for r in broken],
        first_problem=first[:500],
        seconds=round(seconds, 3),
    )


def verify_and_record_chains(*, trigger: str = "beat") -> ChainVerification:
    """Verify the platform chain and every business's chain, and record the outcome."""
    started = time.monotonic()
    reports = [verify_chain(chain) for chain in all_chains()]
    return record_chain_verification(reports, trigger=trigger, seconds=time.monotonic() - started)


def _records(run: CheckRun, tenant: Tenant | None) -> list[CheckRecord]:
    tenant_id = tenant.pk if tenant is not None else None
    return [
        CheckRecord(
            run=run,
            check_id=check.id,
            tenant_id=tenant_id,
            status=str(result.status),
            summary=result.summary[:300],
            figures=_plain(result.figures),
        )
        for check, result in run_checks(tenant)
    ]


def _plain(figures: dict) -> dict:
    """Only numbers, strings and booleans survive into the record (JSON, and nothing a check should not keep)."""
    return {str(k): v for k, v in figures.items() if isinstance(v, int | float | str | bool) or v is None}


def record_check_run(*, trigger: str = "beat") -> CheckRun:
    """Run every platform check, then every business's checks inside its context, and keep the results."""
    run = CheckRun.objects.create(started_at=timezone.now(), trigger=trigger)
    records = _records(run, None)
    tenants = list(Tenant.objects.order_by("pk"))
    for tenant in tenants:
        with tenant_context(tenant):
            records.extend(_records(run, tenant))
    CheckRecord.objects.bulk_create(records, batch_size=500)
    run.finished_at = timezone.now()
    run.tenants = len(tenants)
    run.save(update_fields=["finished_at", "tenants"])
    purge_old_runs()
    return run


def purge_old_runs() -> int:
    """Runs older than SECURITY_CHECK_HISTORY_DAYS go (their records with them)."""
    cutoff = timezone.now() - timedelta(days=settings.SECURITY_CHECK_HISTORY_DAYS)
    deleted, _ = CheckRun.objects.filter(started_at__lt=cutoff).delete()
    ChainVerification.objects.filter(verified_at__lt=cutoff).delete()
    return deleted
