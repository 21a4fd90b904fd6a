"""Delivery that survives Redis, with real Celery workers on Redis and PostgreSQL (issue #17, items 1, 3 and 4).

The relay is called by the test once a second, standing in for beat (every 15 s in production);
the dispatch lease is shortened to 2 s here so the test does not wait the production 40 s.

* An approved return whose message Redis lost (a restart without persistence: the test flushes
  its own broker database) is filed, exactly once.
* A return approved while the broker is unreachable is saved (the request waits at most the
  broker's connect timeout) and filed once the broker is back.
* Ten uploads whose messages Redis lost are all processed.
"""

from __future__ import annotations

import time

import pytest
from django.utils import timezone

from apps.documents.models import FINISHED, Document
from apps.documents.services.upload import upload_document
from apps.filing.domain import ReturnStatus
from apps.outbox.models import OutboxItem, OutboxState
from apps.outbox.services import relay
from apps.tenancy.context import tenant_context
from tests.documents.samples import image_bytes
from tests.filing.test_exactly_once_worker import approve, filing_stack, held_by_hmrc, state  # noqa: F401
from tests.helpers import celery_worker
from tests.outbox.conftest import CLOSED_PORT_URL, broker_at, flush_broker

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


@pytest.fixture(autouse=True)
def quick_leases(settings):
    settings.OUTBOX_DISPATCH_LEASE_SECONDS = 2.0
    settings.OUTBOX_FAST_SEND_GRACE_SECONDS = 1.0


def relay_until(condition, *, timeout: float, what: str):
    """Run the relay every second (beat's job) until ``condition()`` holds; the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        relay()
        if condition():
            return time.monotonic() - started
        time.sleep(1.0)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def approve_without_patching(tenant, owner, obligation):
    """The real approval: its outbox row commits with it and the fast send runs after the commit."""
    from apps.filing import calculation
    from apps.filing.models import VatSettings
    from apps.filing.services.returns import approve_return, fingerprint
    from tests.helpers import verified

    with tenant_context(tenant):
        boxes = calculation.figures_for(obligation, None, VatSettings.objects.first()).boxes
        return approve_return(obligation=obligation, actor=verified(owner), declaration=True,
                              expected_fingerprint=fingerprint(boxes), fraud_context={})  # fmt: skip


def test_an_approved_return_whose_message_redis_lost_is_filed_exactly_once(filing_stack):  # noqa: F811
    tenant, owner, q1 = filing_stack
    flush_broker()
    vat_return = approve_without_patching(tenant, owner, q1)
    item = OutboxItem.objects.get(task_name="filing.submit_vat_return")
    assert item.state == OutboxState.DISPATCHED  # the message reached Redis...
    flush_broker()  # ... and Redis restarted without persistence
    with celery_worker(queues="filing") as (_, _queue):
        took = relay_until(lambda: state(tenant, vat_return.pk).status == ReturnStatus.SUBMITTED,
                           timeout=90, what="the return to be filed")  # fmt: skip
        print(f"\nfiled {took:.1f} s after the worker started (dispatch lease 2 s, relay every 1 s)")
        time.sleep(3)  # any duplicate still in flight has time to run
        relay()
    assert held_by_hmrc(tenant.vat_number) == 1
    final = state(tenant, vat_return.pk)
    assert final.status == ReturnStatus.SUBMITTED and final.attempts == 1
    item.refresh_from_db()
    assert item.state == OutboxState.DONE


def test_a_return_approved_while_the_broker_is_down_is_filed_once_it_is_back(filing_stack):  # noqa: F811
    tenant, owner, q1 = filing_stack
    flush_broker()
    with broker_at(CLOSED_PORT_URL):
        started = time.monotonic()
        vat_return = approve_without_patching(tenant, owner, q1)
        took = time.monotonic() - started
    print(f"\napproval with the broker down took {took:.2f} s (bounded by the broker's connect timeout)")
    assert state(tenant, vat_return.pk).status == ReturnStatus.APPROVED  # saved
    item = OutboxItem.objects.get(task_name="filing.submit_vat_return")
    assert item.state == OutboxState.PENDING and "send failed" in item.last_error
    with celery_worker(queues="filing") as (_, _queue):
        relay_until(lambda: state(tenant, vat_return.pk).status == ReturnStatus.SUBMITTED,
                    timeout=90, what="the return to be filed")  # fmt: skip
    assert held_by_hmrc(tenant.vat_number) == 1


def test_ten_uploads_whose_messages_redis_lost_are_all_processed(committed_db, media_root):
    from apps.ledger.services.accounts import seed_chart_of_accounts
    from tests.factories import TenantFactory

    tenant_a = TenantFactory(name="Hollybush Bakery Ltd")
    with tenant_context(tenant_a):
        seed_chart_of_accounts(tenant_a)
    flush_broker()
    documents = [
        upload_document(tenant=tenant_a, content=image_bytes(text=f"Receipt {n} total 1{n}.00"),
                        filename=f"r{n}.png").document
        for n in range(10)
    ]  # fmt: skip
    assert OutboxItem.objects.filter(state=OutboxState.DISPATCHED).count() == 10
    flush_broker()  # every queued message is gone

    def all_processed() -> bool:
        with tenant_context(tenant_a):
            return Document.objects.filter(pk__in=[d.pk for d in documents], state__in=FINISHED).count() == 10

    started = timezone.now()
    with celery_worker(queues="ocr", media_root=media_root) as (_, _queue):
        took = relay_until(all_processed, timeout=240, what="ten documents to be processed")
    print(f"\n10 documents processed {took:.1f} s after the worker started ({timezone.now() - started})")
    assert not OutboxItem.objects.exclude(state=OutboxState.DONE).exists()
