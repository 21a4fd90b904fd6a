"""TenantTask: the worker's one way into a tenant, in-process and in a real worker on Redis."""

from __future__ import annotations

import os
import time
import uuid

import pytest

from apps.tenancy.errors import TenantContextError
from apps.tenancy.tasks import count_pending_invitations
from tests.factories import InvitationFactory, TenantFactory
from tests.helpers import celery_worker


@pytest.mark.django_db
def test_task_runs_inside_its_tenant(tenant_a, tenant_b):
    InvitationFactory.create_batch(2, tenant=tenant_a)
    InvitationFactory.create_batch(3, tenant=tenant_b)
    assert count_pending_invitations.apply(kwargs={"tenant_id": str(tenant_a.pk)}).get() == 2
    assert count_pending_invitations.apply(kwargs={"tenant_id": str(tenant_b.pk)}).get() == 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "needs tenant_id"),
        ({"tenant_id": "nope"}, "is not a tenant id"),
        ({"tenant_id": str(uuid.uuid4())}, "does not exist"),
    ],
)
def test_task_without_a_valid_tenant_fails_closed(kwargs, message):
    with pytest.raises(TenantContextError, match=message):
        count_pending_invitations.apply(kwargs=kwargs).get()


def test_celery_is_configured_for_at_least_once_delivery():
    from config.celery import app

    conf = app.conf
    assert (conf.task_serializer, conf.accept_content) == ("json", ["json"])
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1
    assert {q.name for q in conf.task_queues} == {
        "ocr",
        "filing",
        "integrations",
        "maintenance",
        "default",
        "ocr.bulk.0",
        "ocr.bulk.1",
        "ocr.bulk.2",
        "ocr.bulk.3",
    }
    assert conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"
    assert conf.task_soft_time_limit < conf.task_time_limit
    assert conf.broker_transport_options["visibility_timeout"] > conf.task_time_limit
    assert count_pending_invitations.acks_late and count_pending_invitations.reject_on_worker_lost
    assert conf.worker_max_memory_per_child == 400_000

    assert os.environ["OMP_THREAD_LIMIT"] == "1"


@pytest.fixture
def worker(committed_db, settings):
    """A real worker, and a result backend for this test only (the product has none: nothing reads results)."""
    from config.celery import app

    backend = settings.CELERY_BROKER_URL.rsplit("/", 1)[0] + "/5"  # this run's cache database: results expire
    before = app.conf.result_backend
    app.conf.result_backend = backend
    app._local.__dict__.pop("backend", None)
    try:
        with celery_worker(result_backend=backend) as (_, queue):
            yield queue
    finally:
        app.conf.result_backend = before
        app._local.__dict__.pop("backend", None)


@pytest.mark.postgres
@pytest.mark.redis
def test_tenant_task_in_a_real_worker_sees_only_its_tenant(worker):
    a, b = TenantFactory(), TenantFactory()
    InvitationFactory.create_batch(2, tenant=a)
    InvitationFactory.create_batch(3, tenant=b)
    started = time.monotonic()
    result_a = count_pending_invitations.apply_async(kwargs={"tenant_id": str(a.pk)}, queue=worker, ignore_result=False)
    result_b = count_pending_invitations.apply_async(kwargs={"tenant_id": str(b.pk)}, queue=worker, ignore_result=False)
    assert (result_a.get(timeout=60), result_b.get(timeout=60)) == (2, 3)
    # A malformed message (no tenant) sent by name, as a stray producer would.
    from config.celery import app

    failing = app.send_task("tenancy.count_pending_invitations", kwargs={}, queue=worker, ignore_result=False)
    with pytest.raises(Exception, match="needs tenant_id"):
        failing.get(timeout=60)
    assert time.monotonic() - started < 120  # a bound on waiting, not a speed assertion
