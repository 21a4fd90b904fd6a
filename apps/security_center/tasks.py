"""Beat tasks of the security center: thin, each calls one service."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from apps.security_center.center.services import record_check_run, verify_and_record_chains
from apps.security_center.crypto.sweep import sweep_all


@shared_task(name="maintenance.run_security_checks")
def run_security_checks() -> int:
    """Run every check (platform and each business) and record the results; returns the run's id (decision 0027)."""
    return record_check_run(trigger="beat").pk


@shared_task(name="maintenance.verify_audit_chains")
def verify_audit_chains() -> bool:
    """Verify every audit chain and record the outcome; returns whether all are intact."""
    return verify_and_record_chains(trigger="beat").ok


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
