"""Filing through the outbox: the approval and "Send now" commit their submission; HMRC's open breaker parks it."""

from __future__ import annotations

from datetime import date

import pytest

from apps.filing.models import VatReturn
from apps.filing.services import submission
from apps.outbox.models import OutboxItem, OutboxState
from apps.tenancy.context import tenant_context
from tests.filing.conftest import sale
from tests.filing.test_submission import approve

pytestmark = pytest.mark.django_db


def test_approval_queues_the_submission_in_the_outbox_and_send_now_once_per_attempt(
    tenant_a, owner_a, hmrc_a, broker, django_capture_on_commit_callbacks
):
    from apps.filing.services.returns import retry_submission
    from tests.helpers import verified

    q1 = hmrc_a[0]
    with tenant_context(tenant_a):
        sale(date(2025, 2, 1), "1000.00", "200.00", actor=owner_a)
    vat_return = approve(tenant_a, q1, owner_a, django_capture_on_commit_callbacks)
    item = OutboxItem.objects.get(task_name="filing.submit_vat_return")
    assert item.dependency == "hmrc" and item.kwargs == {"tenant_id": str(tenant_a.pk), "return_id": str(vat_return.pk)}
    assert item.state == OutboxState.PENDING  # its fast send waits for the commit (not run by this test)
    with tenant_context(tenant_a):
        VatReturn.objects.filter(pk=vat_return.pk).update(attempts=submission.MAX_AUTOMATIC_ATTEMPTS)
        for _ in range(2):  # a double click is one effect
            retry_submission(vat_return=VatReturn.objects.get(pk=vat_return.pk), actor=verified(owner_a))
    assert OutboxItem.objects.filter(key__contains=":send_now:").count() == 1


def test_the_submission_is_parked_without_a_claim_while_hmrcs_breaker_is_open(
    tenant_a, owner_a, hmrc_a, broker, breaker, django_capture_on_commit_callbacks
):
    from tests.outbox.conftest import effect  # noqa: F401  (registers the test task)

    q1 = hmrc_a[0]
    with tenant_context(tenant_a):
        sale(date(2025, 2, 1), "1000.00", "200.00", actor=owner_a)
    vat_return = approve(tenant_a, q1, owner_a, django_capture_on_commit_callbacks)
    item = OutboxItem.objects.get(task_name="filing.submit_vat_return")
    breaker["hmrc"] = "open"
    from apps.filing.tasks import submit_vat_return

    assert submit_vat_return.apply(kwargs={**item.kwargs, "outbox_id": str(item.pk)}).get() == "parked"
    item.refresh_from_db()
    with tenant_context(tenant_a):
        vat_return.refresh_from_db()
    assert item.state == OutboxState.PARKED
    assert vat_return.attempts == 0 and vat_return.status == "approved"  # nothing claimed, nothing counted
    breaker["hmrc"] = "closed"
    from apps.outbox.services import relay

    assert relay().released == 1
    item.refresh_from_db()
    assert submit_vat_return.apply(kwargs={**item.kwargs, "outbox_id": str(item.pk)}).get() == "submitted"
    item.refresh_from_db()
    assert item.state == OutboxState.DONE
