"""Scrape-time gauges: documents by state, Celery queue depth and age, filing backlog, synthetic checks."""

from __future__ import annotations

import json
import time

import pytest
from prometheus_client import REGISTRY

from apps.documents.queueing import OCR_QUEUES
from apps.monitors import collectors as product_collectors
from apps.monitors.collectors import DocumentsInStateCollector, FilingBacklogCollector, SyntheticCollector
from apps.observability import collectors
from apps.observability.collectors import QueueCollector


def samples(collector) -> dict[tuple[str, tuple], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value for f in collector.collect() for s in f.samples}


def value(name: str, **labels) -> float | None:
    return REGISTRY.get_sample_value(name, labels)


@pytest.mark.django_db
def test_documents_in_state_counts_every_tenant(tenant_a, tenant_b):
    from apps.documents.services.upload import upload_document
    from tests.documents.samples import pdf_bytes

    before = value("strongroom_documents_in_state", state="received") or 0
    # Uploads with processing deferred: the rows stay "received" (the eager task would run them otherwise).
    from unittest import mock

    with mock.patch("apps.documents.services.upload.enqueue_processing"):
        upload_document(tenant=tenant_a, content=pdf_bytes(["a"]), filename="a.pdf")
        upload_document(tenant=tenant_b, content=pdf_bytes(["b"]), filename="b.pdf")
    assert value("strongroom_documents_in_state", state="received") == before + 2
    assert value("strongroom_documents_in_state", state="posted") is not None  # every state has a sample


def test_a_database_failure_does_not_fail_the_scrape(monkeypatch):
    def down():
        raise RuntimeError("connection refused")

    monkeypatch.setattr(product_collectors, "document_state_counts", down)
    assert samples(DocumentsInStateCollector()) == {}


def test_describe_needs_no_database_or_broker():
    names = {f.name for c in collectors.scrape_time_collectors() for f in c.describe()}
    assert {
        "strongroom_documents_in_state",
        "strongroom_queue_depth",
        "strongroom_queue_oldest_message_age_seconds",
        "strongroom_filing_backlog_returns",
        "strongroom_filing_backlog_oldest_age_seconds",
        "strongroom_synthetic_check_success",
        "strongroom_synthetic_check_duration_seconds",
        "strongroom_synthetic_check_last_success_timestamp_seconds",
    } <= names


def test_filing_backlog_when_the_filing_selector_fails_exports_nothing(monkeypatch):
    import apps.filing.selectors as filing_selectors

    def down():
        raise RuntimeError("connection refused")

    monkeypatch.setattr(filing_selectors, "filing_backlog", down)
    assert samples(FilingBacklogCollector()) == {}


@pytest.mark.django_db
def test_filing_backlog_comes_from_the_filing_selector(monkeypatch):
    import apps.filing.selectors as filing_selectors

    monkeypatch.setattr(filing_selectors, "filing_backlog", lambda: (3, 1200.0))
    got = samples(FilingBacklogCollector())
    assert got[("strongroom_filing_backlog_returns", ())] == 3
    assert got[("strongroom_filing_backlog_oldest_age_seconds", ())] == 1200


@pytest.mark.django_db
def test_filing_backlog_with_no_returns_waiting_is_zero():
    got = samples(FilingBacklogCollector())
    assert got[("strongroom_filing_backlog_returns", ())] == 0
    assert got[("strongroom_filing_backlog_oldest_age_seconds", ())] == 0


@pytest.mark.django_db
def test_synthetic_gauges_come_from_the_latest_runs():
    from django.utils import timezone

    from apps.observability.models import SyntheticRun

    now = timezone.now()
    earlier = now - timezone.timedelta(minutes=2)
    SyntheticRun.objects.create(check_name="login", ok=True, duration_seconds=0.2, at=earlier)
    SyntheticRun.objects.create(check_name="login", ok=False, duration_seconds=5.0, error="refused", at=now)
    SyntheticRun.objects.create(check_name="filing", ok=False, skipped=True, duration_seconds=0, error="n/a", at=now)
    got = samples(SyntheticCollector())
    assert got[("strongroom_synthetic_check_success", (("check", "login"),))] == 0
    assert got[("strongroom_synthetic_check_duration_seconds", (("check", "login"),))] == 5.0
    last = got[("strongroom_synthetic_check_last_success_timestamp_seconds", (("check", "login"),))]
    assert abs(last - earlier.timestamp()) < 1
    assert ("strongroom_synthetic_check_success", (("check", "filing"),)) not in got  # skipped is not a failure


def test_enqueue_time_is_read_from_the_oldest_message():
    raw = json.dumps({"body": "…", "headers": {"x_enqueued_at": 1000.5, "task": "t"}}).encode()
    assert collectors._message_enqueued_at(raw) == 1000.5
    assert collectors._message_enqueued_at(b"not json") is None
    assert collectors._message_enqueued_at(json.dumps({"headers": {}}).encode()) is None


@pytest.mark.redis
def test_queue_depth_and_oldest_age_from_redis(settings):
    import redis

    from config.celery import app

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete("default")
    try:
        old = time.time() - 300
        app.send_task("observability.test_noop", queue="default", headers={"x_enqueued_at": old})
        app.send_task("observability.test_noop", queue="default")  # stamped now by before_task_publish
        got = samples(QueueCollector())
        assert got[("strongroom_queue_depth", (("queue", "default"),))] == 2
        assert got[("strongroom_queue_oldest_message_age_seconds", (("queue", "default"),))] >= 300
        assert got[("strongroom_queue_oldest_message_age_seconds", (("queue", "ocr"),))] == 0 or client.llen("ocr")
    finally:
        client.delete("default")


def test_an_unreachable_broker_does_not_fail_the_scrape(settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    assert samples(QueueCollector()) == {}


@pytest.mark.django_db
def test_stuck_returns_by_state_and_age_come_from_the_platform_projection(tenant_a):
    from datetime import date, timedelta

    from django.utils import timezone

    from apps.filing.models import FilingPeriodOverview
    from apps.monitors.collectors import FilingStuckCollector

    now = timezone.now()
    empty = samples(FilingStuckCollector())
    for state in ("submitting", "awaiting_person"):  # a sample for every state, even with nothing stuck
        assert empty[("strongroom_filing_returns_stuck", (("state", state),))] == 0
        assert empty[("strongroom_filing_returns_stuck_oldest_age_seconds", (("state", state),))] == 0

    def period(key: str, **values) -> None:
        FilingPeriodOverview.objects.create(
            tenant=tenant_a, vrn="123456727", period_key=key, start=date(2025, 1, 1), end=date(2025, 3, 31),
            due=date(2025, 5, 7), obligation_status="O", **values,
        )  # fmt: skip

    period("25A1", return_status="submitting", submitting_since=now - timedelta(minutes=30))
    period("25A2", return_status="submitting", submitting_since=now - timedelta(minutes=1))  # in flight: fine
    period("25A3", return_status="approved", approved_at=now - timedelta(hours=2), last_error_code="NOT_FOUND")
    period("25A4", return_status="approved", approved_at=now - timedelta(hours=3), next_attempt_at=now,
           last_error_code="SERVICE_UNAVAILABLE")  # fmt: skip  # a retry is scheduled: not stuck
    period("25A5", return_status="approved", approved_at=now - timedelta(hours=5))  # queued, no failure yet
    got = samples(FilingStuckCollector())
    assert got[("strongroom_filing_returns_stuck", (("state", "submitting"),))] == 1
    assert got[("strongroom_filing_returns_stuck", (("state", "awaiting_person"),))] == 1
    assert 1790 <= got[("strongroom_filing_returns_stuck_oldest_age_seconds", (("state", "submitting"),))] < 1900
    assert 7190 <= got[("strongroom_filing_returns_stuck_oldest_age_seconds", (("state", "awaiting_person"),))] < 7300


def test_every_ocr_queue_a_worker_consumes_has_a_depth_gauge():
    from config.celery import app

    assert set(OCR_QUEUES) <= set(collectors.QUEUES)
    assert {q.name for q in app.conf.task_queues} <= set(collectors.QUEUES)


@pytest.mark.redis
def test_a_bulk_ocr_queue_reports_its_depth(settings):
    import redis

    from config.celery import app

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete("ocr.bulk.2")
    try:
        app.send_task("observability.test_noop", queue="ocr.bulk.2")
        got = samples(QueueCollector())
        assert got[("strongroom_queue_depth", (("queue", "ocr.bulk.2"),))] == 1
        assert got[("strongroom_queue_depth", (("queue", "ocr.bulk.0"),))] == 0
    finally:
        client.delete("ocr.bulk.2")
