"""Uploads while Redis (the broker and the cache) is down: stored, committed, queued later; never a 500 (issue #17, 4).

Each upload answers 2xx within a bounded time, with its outbox row pending; none is a row without its work.
"""

from __future__ import annotations

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.documents.models import Document, TaskRun
from apps.documents.services.upload import PROCESS_TASK
from apps.outbox import services as outbox_services
from apps.outbox.models import OutboxItem, OutboxState
from apps.tenancy.models import Membership
from apps.tenancy.services import create_api_token
from tests.documents.samples import image_bytes
from tests.outbox.conftest import CLOSED_PORT_URL, broker_at

pytestmark = [pytest.mark.django_db, pytest.mark.redis]
BOUND_SECONDS = 10  # a bound on waiting, not a speed assertion: it was a hang (~15 s) or a 500 before


@pytest.fixture
def redis_down(settings, monkeypatch):
    """The broker and the cache both point at a closed port."""
    monkeypatch.setattr(outbox_services, "_broker_down_until", 0.0)
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": CLOSED_PORT_URL.replace("/4", "/5"),
                                   "OPTIONS": {"socket_connect_timeout": 1.0, "socket_timeout": 2.0}}}  # fmt: skip
    with broker_at(CLOSED_PORT_URL):
        yield
    monkeypatch.setattr(outbox_services, "_broker_down_until", 0.0)


def _every_document_has_its_work(tenant, in_tenant) -> None:
    with in_tenant(tenant):
        runs = list(TaskRun.objects.values_list("pk", flat=True))
        assert Document.objects.count() == len(runs) > 0
    keys = set(OutboxItem.objects.filter(task_name=PROCESS_TASK).values_list("key", flat=True))
    assert keys == {f"{PROCESS_TASK}:{pk}" for pk in runs}
    assert set(OutboxItem.objects.values_list("state", flat=True)) == {OutboxState.PENDING}


def test_an_api_upload_with_redis_down_is_accepted_and_queued_later(
    client, bookkeeper_a, tenant_a, in_tenant, redis_down, django_capture_on_commit_callbacks
):
    with in_tenant(tenant_a):
        _, key = create_api_token(membership=Membership.objects.get(user=bookkeeper_a), name="Scanner",
                                  actor=bookkeeper_a)  # fmt: skip
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/documents/", {"file": SimpleUploadedFile("r.png", image_bytes(text="API"))},
                               HTTP_AUTHORIZATION=f"Token {key}")  # fmt: skip
    took = time.monotonic() - started
    print(f"\nAPI upload with Redis down: {response.status_code} in {took:.2f} s")
    assert response.status_code == 201, response.content
    assert took < BOUND_SECONDS
    _every_document_has_its_work(tenant_a, in_tenant)


def test_a_portal_upload_with_redis_down_is_accepted_and_queued_later(
    client, bookkeeper_a, tenant_a, in_tenant, redis_down, django_capture_on_commit_callbacks
):
    client.force_login(bookkeeper_a)
    files = [SimpleUploadedFile(f"p{n}.png", image_bytes(text=f"Portal {n}")) for n in range(3)]
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/t/{tenant_a.slug}/documents/upload/", {"files": files})
    took = time.monotonic() - started
    print(f"\nportal upload of 3 files with Redis down: {response.status_code} in {took:.2f} s")
    assert response.status_code in (200, 302), response.status_code
    assert took < BOUND_SECONDS
    _every_document_has_its_work(tenant_a, in_tenant)
    with in_tenant(tenant_a):
        assert Document.objects.count() == 3
