"""Celery tasks of privacy (maintenance queue): the retention beat job and the export builder.

The export is enqueued through the outbox (``open_request``), so a request committed is built even if
the broker was down; it spans businesses (a person's export), so it is a platform task that settles its
outbox row itself rather than an ``OutboxTask`` (which runs inside one business).
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from apps.outbox import services as outbox
from apps.privacy.services.exports import build_export
from apps.privacy.services.retention import run_retention


@shared_task(name="maintenance.privacy_retention", ignore_result=True)
def privacy_retention() -> str:
    """Beat, daily: apply the retention policies (a dry run unless PRIVACY_RETENTION_ENABLED)."""
    return str(run_retention(triggered_by="beat").pk)


@shared_task(bind=True, name="maintenance.privacy_build_export", acks_late=True, ignore_result=True)
def privacy_build_export(self, *, request_id: str, outbox_id: str | None = None) -> str:
    """Build one access request's export; a duplicate message for a finished one does nothing."""
    lease = settings.CELERY_TASK_TIME_LIMIT + 60
    refused = outbox_id and outbox.begin(outbox_id, lease_seconds=lease, holder=self.request.id or "")
    if refused:
        return f"already_{refused}"  # settled, or another copy of the message holds a live lease
    try:
        status = build_export(request_id).status
    except Exception as exc:
        if outbox_id:
            outbox.failed_attempt(outbox_id, exc)
        raise
    if outbox_id:
        outbox.finish(outbox_id)
    return status
