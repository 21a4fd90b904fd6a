"""Writes of the security center: recording audit-chain verifications and check runs (decision 0027)."""

from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from apps.audit.selectors import ChainReport
from apps.audit.services import checkpoint_chain
from apps.security_center.checks import run_checks
from apps.security_center.models import ChainVerification, CheckRecord, CheckRun
from apps.security_center.selectors import all_chains
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Tenant


def record_chain_verification(
    reports: list[ChainReport], *, trigger: str, seconds: float, full: bool = True, requested_by: str = ""
) -> ChainVerification:
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
        full=full,
        requested_by=requested_by[:254],
    )


def verify_and_record_chains(*, trigger: str = "beat", full: bool = False, by: str = "") -> ChainVerification:
    """Verify the platform chain and every business's chain, and record the outcome.

    Each chain from its checkpoint (only the events since the last run, after
    re-checking the checkpoint's own event), or every chain from its first
    event when ``full`` (decision 0037). ``events`` counts what was read.
    """
    return verify_every_chain(trigger=trigger, full=full, by=by)[1]


def verify_every_chain(
    *, trigger: str, full: bool = False, by: str = ""
) -> tuple[list[ChainReport], ChainVerification]:
    """``verify_and_record_chains`` with each chain's report (the command prints them)."""
    started = time.monotonic()
    who = by or trigger
    reports = [checkpoint_chain(chain, full=full, by=who) for chain in all_chains()]
    seconds = time.monotonic() - started
    return reports, record_chain_verification(reports, trigger=trigger, seconds=seconds, full=full, requested_by=by)


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
            evidence_url=result.evidence_url[:300],
        )
        for check, result in run_checks(tenant)
    ]


def _plain(figures: dict) -> dict:
    """Only numbers, strings and booleans survive into the record (JSON, and nothing a check should not keep)."""
    return {str(k): v for k, v in figures.items() if isinstance(v, int | float | str | bool) or v is None}


def record_check_run(*, trigger: str = "beat", tenant: Tenant | None = None, requested_by: str = "") -> CheckRun:
    """Run every platform check, then every business's checks inside its context, and keep the results.

    With ``tenant``: that business's checks only (its owner's button); the
    platform's figures and the staff page's counts keep coming from full runs.
    """
    run = CheckRun.objects.create(
        started_at=timezone.now(),
        trigger=trigger,
        tenant_id=tenant.pk if tenant is not None else None,
        requested_by=requested_by[:254],
    )
    records = _records(run, None) if tenant is None else []
    tenants = list(Tenant.objects.order_by("pk")) if tenant is None else [tenant]
    for business in tenants:
        with tenant_context(business):
            records.extend(_records(run, business))
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
