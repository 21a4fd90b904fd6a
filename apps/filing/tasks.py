"""Filing tasks: thin wrappers that load by id and call one service."""

from __future__ import annotations

from celery import shared_task

from apps.filing.services import submission
from apps.integrations.hmrc.initiator import SystemInitiated, UserInitiated
from apps.integrations.hmrc.selectors import is_connected
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Tenant
from apps.tenancy.tasks import TenantTask


class FilingTask(TenantTask):
    # The service opens its own short transactions around the HTTP call: none is held while HMRC answers.
    atomic = False
    soft_time_limit = 90
    time_limit = 120


@shared_task(bind=True, base=FilingTask, name="filing.submit_vat_return", max_retries=submission.MAX_AUTOMATIC_ATTEMPTS)
def submit_vat_return(self, *, tenant_id: str, return_id: str, manual: bool = False) -> str:
    """One attempt. ``manual``: a person pressed "Send now" (may go one past the automatic cap, audited)."""
    try:
        return submission.submit(tenant_id=tenant_id, return_id=return_id, task_id=self.request.id or "", manual=manual)
    except submission.RetryLater as exc:
        if self.request.is_eager:
            # Embedded mode has no broker to retry through: the resume sweep (or the user) sends it later.
            return "deferred"
        # Later attempts are automatic whoever started this one: they count against the cap.
        raise self.retry(
            countdown=exc.countdown, exc=exc, kwargs={"tenant_id": tenant_id, "return_id": return_id}
        ) from exc


@shared_task(name="maintenance.resume_vat_submissions")
def resume_vat_submissions() -> int:
    """Beat: re-send returns whose retry is due or whose attempt died mid-flight (idempotent).

    Returns whose automatic attempts are used up are not picked (``stalled_returns``); they wait for a person.
    """
    stalled = submission.stalled_returns()
    for tenant_id, return_id in stalled:
        submit_vat_return.delay(tenant_id=tenant_id, return_id=return_id)
    return len(stalled)


@shared_task(base=FilingTask, name="filing.sync_obligations")
def sync_tenant_obligations(*, tenant_id: str) -> int | str:
    """Read one business's obligations from HMRC; a business not connected to HMRC is skipped."""
    from apps.filing.services.obligations import sync_obligations

    with tenant_context(tenant_id):
        tenant = Tenant.objects.get(pk=tenant_id)
        connected = is_connected(tenant)
    if not connected:
        return "not_connected"
    # No person asked for this sync: HMRC's batch-process method, with this machine's headers.
    return len(sync_obligations(tenant=tenant, initiator=SystemInitiated("scheduled obligations sync")))


@shared_task(name="maintenance.sync_all_vat_obligations")
def sync_all_vat_obligations() -> int:
    """Beat: every active business with a VAT number gets its obligations refreshed (one task each)."""
    tenant_ids = list(
        Tenant.objects.filter(status=Tenant.Status.ACTIVE).exclude(vat_number="").values_list("pk", flat=True)
    )
    for tenant_id in tenant_ids:
        sync_tenant_obligations.delay(tenant_id=str(tenant_id))
    return len(tenant_ids)


@shared_task(base=FilingTask, name="integrations.refresh_period_financials", soft_time_limit=60, time_limit=75)
def refresh_period_financials(*, tenant_id: str, obligation_id: str, fraud_context: dict) -> str:
    """The period page's HMRC figures, read off the request path for the person who opened it (their headers)."""
    from apps.filing.models import VatObligation
    from apps.filing.services.hmrc_live import refresh_financials

    with tenant_context(tenant_id):
        tenant = Tenant.objects.get(pk=tenant_id)
        obligation = VatObligation.objects.get(pk=obligation_id)
        snapshot = refresh_financials(tenant=tenant, obligation=obligation, initiator=UserInitiated(fraud_context))
    return "error" if snapshot.error else "ok"
