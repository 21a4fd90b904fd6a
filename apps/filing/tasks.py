"""Filing tasks: thin wrappers that load by id and call one service."""

from __future__ import annotations

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from apps.filing.services import submission
from apps.filing.services.returns import SUBMIT_TASK
from apps.integrations import breakers
from apps.integrations.hmrc.initiator import SystemInitiated, UserInitiated
from apps.integrations.hmrc.selectors import is_connected
from apps.outbox.errors import Deferred
from apps.outbox.models import Dependency
from apps.outbox.selectors import active_tenant_ids, has_active
from apps.outbox.services import enqueue
from apps.outbox.tasks import OutboxTask
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Tenant

SYNC_OBLIGATIONS_TASK = "filing.sync_obligations"


class FilingTask(OutboxTask):
    # The service opens its own short transactions around the HTTP call: none is held while HMRC answers.
    atomic = False
    soft_time_limit = 90
    time_limit = 120


@shared_task(bind=True, base=FilingTask, name="filing.submit_vat_return", max_retries=submission.MAX_AUTOMATIC_ATTEMPTS)
def submit_vat_return(self, *, tenant_id: str, return_id: str, manual: bool = False) -> str:
    """One attempt. ``manual``: a person pressed "Send now" (may go one past the automatic cap, audited).

    While HMRC's breaker is open nothing is claimed or counted: the outbox parks the effect.
    """
    if breakers.is_open("hmrc"):
        raise breakers.CircuitOpen("hmrc", service="HMRC")
    try:
        return submission.submit(tenant_id=tenant_id, return_id=return_id, task_id=self.request.id or "", manual=manual)
    except submission.RetryLater as exc:
        if self.request.is_eager:
            # Embedded mode has no broker to retry through: the resume sweep (or the user) sends it later.
            return "deferred"
        # Later attempts are automatic whoever started this one: they count against the cap.
        raise Deferred(exc.countdown, str(exc), kwargs={"tenant_id": tenant_id, "return_id": return_id}) from exc


@shared_task(name="maintenance.resume_vat_submissions")
def resume_vat_submissions() -> int:
    """Beat: re-send returns whose retry is due or whose attempt died mid-flight (idempotent).

    Returns whose automatic attempts are used up are not picked (``stalled_returns``); they wait for a person.
    A return that already has its submission in the outbox is left to it.
    """
    stamp = timezone.now().strftime("%Y%m%dT%H%M")
    sent = 0
    for tenant_id, return_id in submission.stalled_returns():
        if has_active(SUBMIT_TASK, return_id=return_id):
            continue
        with transaction.atomic():
            enqueue(SUBMIT_TASK, key=f"{SUBMIT_TASK}:{return_id}:sweep:{stamp}", tenant_id=tenant_id,
                    kwargs={"tenant_id": tenant_id, "return_id": return_id}, dependency=Dependency.HMRC)  # fmt: skip
        sent += 1
    return sent


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
    """Beat: every active business with a VAT number gets its obligations refreshed (one outbox row each).

    A business whose previous sync is still waiting (HMRC's breaker open) is not given a second one.
    """
    tenant_ids = list(
        Tenant.objects.filter(status=Tenant.Status.ACTIVE).exclude(vat_number="").values_list("pk", flat=True)
    )
    waiting = active_tenant_ids(SYNC_OBLIGATIONS_TASK)
    stamp = timezone.now().strftime("%Y%m%dT%H%M")
    for tenant_id in tenant_ids:
        if tenant_id in waiting:
            continue
        with transaction.atomic():
            enqueue(SYNC_OBLIGATIONS_TASK, key=f"{SYNC_OBLIGATIONS_TASK}:{tenant_id}:{stamp}", tenant_id=tenant_id,
                    kwargs={"tenant_id": str(tenant_id)}, dependency=Dependency.HMRC)  # fmt: skip
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
