"""Beat tasks of the security center: thin, each calls one service."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from apps.security_center.crypto.sweep import sweep_all


@shared_task(name="maintenance.reencrypt_sweep")
def reencrypt_sweep() -> dict[str, int]:
    """Daily: move values still on older data-key versions onto each tenant's active key."""
    report = sweep_all(batch_size=settings.FIELD_ENCRYPTION_SWEEP_BATCH_SIZE, actor_label="beat:reencrypt_sweep")
    return {
        "rows": report.rows,
        "blobs": report.blobs,
        "failures": report.failures,
        "stale_rows_left": report.stale_rows_left,
        "stale_blobs_left": report.stale_blobs_left,
    }
