"""Beat tasks of the security center: thin, each calls one service."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from apps.security_center.center.services import record_check_run, verify_and_record_chains
from apps.security_center.crypto.sweep import sweep_all
from apps.tenancy.models import Tenant


@shared_task(name="maintenance.run_security_checks")
def run_security_checks(tenant_id: str | None = None, requested_by: str = "") -> int:
    """Run every check (platform and each business, or one business's when asked from its page) and record them.

    Returns the run's id (decisions 0027, 0037). The pages only ever read these runs.
    """
    tenant = Tenant.objects.get(pk=tenant_id) if tenant_id else None
    trigger = "request" if requested_by else "beat"
    return record_check_run(trigger=trigger, tenant=tenant, requested_by=requested_by).pk


@shared_task(name="maintenance.verify_audit_chains")
def verify_audit_chains(requested_by: str = "") -> bool:
    """Verify every audit chain from its checkpoint (the events since the last run); returns whether all are intact."""
    return verify_and_record_chains(trigger="request" if requested_by else "beat", by=requested_by).ok


@shared_task(name="maintenance.verify_audit_chains_full")
def verify_audit_chains_full() -> bool:
    """Daily: verify every audit chain from its first event, which finds an event changed before a checkpoint."""
    return verify_and_record_chains(trigger="beat", full=True).ok


@shared_task(name="maintenance.reencrypt_sweep")
def reencrypt_sweep() -> dict[str, int]:
    """Daily: move values still on older data-key versions onto each tenant's active key (decision 0023)."""
    report = sweep_all(batch_size=settings.FIELD_ENCRYPTION_SWEEP_BATCH_SIZE, actor_label="beat:reencrypt_sweep")
    return {
        "rows": report.rows,
        "blobs": report.blobs,
        "failures": report.failures,
        "stale_rows_left": report.stale_rows_left,
        "stale_blobs_left": report.stale_blobs_left,
    }
