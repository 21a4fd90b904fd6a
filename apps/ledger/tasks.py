"""Bank-feed sync on a schedule: beat fans out one task per business, each loads by id and calls one service."""

from __future__ import annotations

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from apps.outbox.models import Dependency
from apps.outbox.selectors import active_tenant_ids
from apps.outbox.services import enqueue
from apps.outbox.tasks import OutboxTask
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Tenant

SYNC_BANK_FEED_TASK = "integrations.sync_bank_feed"


class BankSyncTask(OutboxTask):
    # The service opens short transactions around the HTTP calls: none is held while the bank answers.
    atomic = False
    soft_time_limit = 90
    time_limit = 120


@shared_task(base=BankSyncTask, name="integrations.sync_bank_feed")
def sync_tenant_bank_feed(*, tenant_id: str) -> int | str:
    """Import new lines for one business that has imported before (the first import is a person's choice)."""
    from apps.ledger.models import BankTransaction
    from apps.ledger.services.bank_import import sync_bank_feed

    with tenant_context(tenant_id):
        tenant = Tenant.objects.get(pk=tenant_id)
        linked = BankTransaction.objects.exists()
    if not linked:
        return "not_linked"
    return sync_bank_feed(tenant=tenant).imported


@shared_task(name="maintenance.sync_all_bank_feeds")
def sync_all_bank_feeds() -> int:
    """Beat: every active business with a Companies House number gets one sync (it skips unlinked ones).

    Each is an outbox row with the bank feed as its dependency (decision 0017): parked while the bank's
    breaker is open, not retried in a storm; a business whose last sync still waits gets no second one.
    """
    tenant_ids = list(
        Tenant.objects.filter(status=Tenant.Status.ACTIVE).exclude(company_number="").values_list("pk", flat=True)
    )
    waiting = active_tenant_ids(SYNC_BANK_FEED_TASK)
    stamp = timezone.now().strftime("%Y%m%dT%H%M")
    for tenant_id in tenant_ids:
        if tenant_id in waiting:
            continue
        with transaction.atomic():
            enqueue(SYNC_BANK_FEED_TASK, key=f"{SYNC_BANK_FEED_TASK}:{tenant_id}:{stamp}", tenant_id=tenant_id,
                    kwargs={"tenant_id": str(tenant_id)}, dependency=Dependency.BANK_FEED)  # fmt: skip
    return len(tenant_ids)
