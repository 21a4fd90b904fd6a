"""Filing tasks: obligations synced from the sandbox HMRC, the nightly sweep, the resume sweep."""

from __future__ import annotations

from datetime import date

import pytest

from apps.filing import tasks
from apps.filing.models import FilingPeriodOverview, VatObligation
from apps.tenancy.context import tenant_context
from tests.factories import TenantFactory
from tests.helpers import queued

pytestmark = pytest.mark.django_db


def test_obligations_are_read_from_hmrc_and_stored_with_the_staff_projection(tenant_a, hmrc_a):
    from django.utils import timezone

    before = timezone.now()
    count = tasks.sync_tenant_obligations.apply(kwargs={"tenant_id": str(tenant_a.id)}).get()
    with tenant_context(tenant_a):
        synced = list(VatObligation.objects.filter(synced_at__gte=before).order_by("start"))
    assert count > 0 and len(synced) == count
    assert all(o.due > o.end and len(o.period_key) == 4 for o in synced)
    assert any(o.status == "O" for o in synced)
    projected = set(FilingPeriodOverview.objects.filter(tenant=tenant_a).values_list("period_key", flat=True))
    assert {o.period_key for o in synced} <= projected
    # Idempotent: a second sync stores no duplicates.
    with tenant_context(tenant_a):
        stored = VatObligation.objects.count()
    tasks.sync_tenant_obligations.apply(kwargs={"tenant_id": str(tenant_a.id)}).get()
    with tenant_context(tenant_a):
        assert VatObligation.objects.count() == stored


def test_a_business_not_connected_to_hmrc_is_skipped(tenant_a):
    assert tasks.sync_tenant_obligations.apply(kwargs={"tenant_id": str(tenant_a.id)}).get() == "not_connected"


def test_the_sweep_enqueues_one_sync_per_active_business_with_a_vat_number(tenant_a, monkeypatch):
    TenantFactory(vat_number="")
    TenantFactory(status="suspended")
    assert tasks.sync_all_vat_obligations() == 1
    assert queued("filing.sync_obligations") == [{"tenant_id": str(tenant_a.id)}]
    # A business whose sync still waits (HMRC down, say) is not given a second one.
    tasks.sync_all_vat_obligations()
    assert queued("filing.sync_obligations") == [{"tenant_id": str(tenant_a.id)}]


def test_the_resume_sweep_sends_returns_whose_retry_is_due(tenant_a, monkeypatch):
    from django.utils import timezone

    from apps.filing.domain import ReturnStatus

    FilingPeriodOverview.objects.create(
        tenant=tenant_a,
        vrn="123456727",
        period_key="25A1",
        start=date(2025, 1, 1),
        end=date(2025, 3, 31),
        due=date(2025, 5, 7),
        obligation_status="O",
        return_status=ReturnStatus.APPROVED,
        return_id="6f1c2b8e-8f1a-4a59-9a8e-0a9d2f1d6c11",
        next_attempt_at=timezone.now(),
    )
    assert tasks.resume_vat_submissions() == 1
    expected = [{"tenant_id": str(tenant_a.id), "return_id": "6f1c2b8e-8f1a-4a59-9a8e-0a9d2f1d6c11"}]
    assert queued("filing.submit_vat_return") == expected
    # Its submission is in the outbox already: the next sweep leaves it to it.
    assert tasks.resume_vat_submissions() == 0
    assert queued("filing.submit_vat_return") == expected
