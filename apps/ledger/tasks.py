"""Bank-feed sync on a schedule: beat fans out one task per business, each loads by id and calls one service."""

from __future__ import annotations

from celery import shared_task

from apps.tenancy.context import tenant_context
from apps.tenancy.models import Tenant
from apps.tenancy.tasks import TenantTask


class BankSyncTask(TenantTask):
    # The service opens short transactions around the HTTP calls: none is held while the bank answers.
    atomic = False
    soft_time_limit = 90
    time_limit = 120


@shared_task(base=BankSyncTask, name="integrations.sync_bank_feed")
def sync_tenant_bank_feed(*, tenant_id: str) -> int | str:
    """Import new lines for one business that has imported before (the first import is a person's choice)."""
    from apps.ledger.models import BankTransaction
    from apps.ledger.services.bank import sync_bank_feed

    with tenant_context(tenant_id):
        tenant = Tenant.objects.get(pk=tenant_id)
        linked = BankTransaction.objects.exists()
    if not linked:
        return "not_linked"
    return sync_bank_feed(tenant=tenant).imported


@shared_task(name="maintenance.sync_all_bank_feeds")
def sync_all_bank_feeds() -> int:
    """Beat: every active business with a Companies House number gets one sync task (it skips unlinked ones)."""
    tenant_ids = list(
        Tenant.objects.filter(status=Tenant.Status.ACTIVE).exclude(company_number="").values_list("pk", flat=True)
    )
    for tenant_id in tenant_ids:
        sync_tenant_bank_feed.delay(tenant_id=str(tenant_id))
    return len(tenant_ids)
