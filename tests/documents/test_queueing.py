"""Per-tenant fairness on the OCR queue: a burst overflows to a bulk queue; workers serve the queues in turn."""

from __future__ import annotations

import uuid
import zlib

import pytest
from django.core.cache import cache

from apps.documents import queueing


@pytest.fixture(autouse=True)
def _fresh_counts():
    cache.clear()
    yield
    cache.clear()


def test_a_tenants_first_documents_go_to_the_interactive_queue_and_a_burst_overflows_to_its_bulk_queue():
    big, small = str(uuid.uuid4()), str(uuid.uuid4())
    queues = [queueing.ocr_queue_for(big) for _ in range(queueing.BURST + 30)]
    assert queues[: queueing.BURST] == [queueing.OCR_QUEUE] * queueing.BURST
    bulk = queueing.BULK_QUEUES[zlib.crc32(big.encode()) % len(queueing.BULK_QUEUES)]
    assert set(queues[queueing.BURST :]) == {bulk}
    assert queueing.ocr_queue_for(small) == queueing.OCR_QUEUE  # another tenant is not counted with it


def test_routing_never_stops_a_publish_when_the_cache_fails(monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "incr", broken)
    assert queueing.ocr_queue_for(str(uuid.uuid4())) == queueing.OCR_QUEUE


def test_celery_routes_document_processing_by_tenant_and_everything_else_by_name():
    from config.celery import app

    tenant = str(uuid.uuid4())
    route = app.amqp.router.route({}, queueing.PROCESS_TASK, args=(), kwargs={"tenant_id": tenant})
    assert route["queue"].name == "ocr"
    for _ in range(queueing.BURST):
        queueing.ocr_queue_for(tenant)
    route = app.amqp.router.route({}, queueing.PROCESS_TASK, args=(), kwargs={"tenant_id": tenant})
    assert route["queue"].name in queueing.BULK_QUEUES
    assert app.amqp.router.route({}, "filing.submit_return", args=(), kwargs={})["queue"].name == "filing"
    assert app.amqp.router.route({}, "documents.something_else", args=(), kwargs={})["queue"].name == "ocr"
    assert {q.name for q in app.conf.task_queues} >= set(queueing.OCR_QUEUES)


@pytest.mark.redis
def test_a_tenants_500_documents_do_not_starve_another_tenants_one(monkeypatch):
    """Real Redis, real kombu consumer over the OCR queues (as a worker consumes them), no sleeps.

    Tenant A sends 500 documents, then tenant B one. In one FIFO queue B's would come 501st; here it
    comes after A's burst allowance, interleaved with A's bulk queue: by position 2 x BURST + 1.
    """
    from kombu import Queue

    from config.celery import app

    prefix = f"test-fair-{uuid.uuid4().hex[:8]}"
    interactive, bulk = prefix, tuple(f"{prefix}.bulk.{i}" for i in range(4))
    monkeypatch.setattr(queueing, "OCR_QUEUE", interactive)
    monkeypatch.setattr(queueing, "BULK_QUEUES", bulk)
    queues = [Queue(name, routing_key=name) for name in (interactive, *bulk)]
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    received: list[str] = []
    with app.connection_for_write() as connection:
        for queue in queues:
            queue(connection.default_channel).declare()
        with app.producer_or_acquire() as producer:
            for i in range(500):
                app.send_task(queueing.PROCESS_TASK, kwargs={"tenant_id": a, "document_id": str(i), "run_id": "x"},
                              producer=producer)  # fmt: skip
            app.send_task(queueing.PROCESS_TASK, kwargs={"tenant_id": b, "document_id": "b", "run_id": "x"},
                          producer=producer)  # fmt: skip
        try:

            def take(body, message):
                received.append(body[1]["tenant_id"])
                message.ack()

            with connection.Consumer(queues, callbacks=[take], accept=["json"]) as consumer:
                consumer.qos(prefetch_count=1)
                while b not in received and len(received) < 501:
                    connection.drain_events(timeout=10)
        finally:
            for queue in queues:
                queue(connection.default_channel).delete()
    assert b in received, "tenant B's document never came"
    position = received.index(b) + 1
    assert position <= 2 * queueing.BURST + 1, f"tenant B waited for {position - 1} of tenant A's documents"
    assert received[: queueing.BURST].count(a) == queueing.BURST
