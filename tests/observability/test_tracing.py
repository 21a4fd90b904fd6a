"""A web request that enqueues OCR is one trace through the worker.

Real pieces: the Django request through the portal, the task published to
Redis with the trace context in its headers, and a Celery worker (in a thread
of this process, so its spans reach the same in-memory exporter) consuming
and running it against the committed test database.
"""

from __future__ import annotations

import time
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from apps.documents.models import Document, DocumentState
from apps.observability.tracing import configure_tracing, tracing_configured
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Role
from tests.factories import MembershipFactory, TenantFactory, UserFactory

EXPORTER = InMemorySpanExporter()


def _reroute(app) -> None:
    """Make Celery use the task routes just set: it caches both the table and the router built from it."""
    app.amqp.flush_routes()
    app.amqp.__dict__.pop("router", None)


def test_tracing_is_off_without_an_otlp_endpoint(monkeypatch):
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", raising=False)
    assert not tracing_configured() and configure_tracing("strongroom-test") is False
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
    assert tracing_configured()
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    assert not tracing_configured()


@pytest.fixture
def traced():
    from opentelemetry.instrumentation.celery import CeleryInstrumentor
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    import apps.observability.tracing as tracing

    configure_tracing("strongroom-test", exporter=EXPORTER)
    EXPORTER.clear()
    yield EXPORTER
    for instrumentor in (DjangoInstrumentor(), CeleryInstrumentor(), PsycopgInstrumentor(), RedisInstrumentor()):
        instrumentor.uninstrument()
    tracing._instrumented = False


@pytest.mark.postgres
@pytest.mark.redis
def test_a_request_and_the_ocr_it_enqueues_are_one_trace(committed_db, traced, client):
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun

    from config.celery import app
    from golden.cases import load_cases

    queue = f"trace-{uuid.uuid4().hex[:8]}"
    routes = app.conf.task_routes
    app.conf.task_routes = {"documents.*": {"queue": queue}}
    _reroute(app)

    def close_db(**kwargs):  # the worker thread's own connection must not outlive the test
        connections.close_all()

    task_postrun.connect(close_db, weak=False, dispatch_uid="test.close_db")
    try:
        tenant = TenantFactory(name="Hollybush Bakery Ltd")
        with tenant_context(tenant):
            from apps.ledger.services.accounts import seed_chart_of_accounts

            seed_chart_of_accounts(tenant)
        bookkeeper = MembershipFactory(tenant=tenant, role=Role.BOOKKEEPER, user=UserFactory()).user
        client.force_login(bookkeeper)
        case = next(c for c in load_cases(group="good") if c.file.startswith("013-"))
        with start_worker(app, pool="solo", queues=[queue], perform_ping_check=False, shutdown_timeout=15):
            response = client.post(
                f"/t/{tenant.slug}/documents/upload/", {"files": [SimpleUploadedFile(case.file, case.content())]}
            )
            assert response.status_code == 302
            deadline = time.monotonic() + 60
            while True:
                connections["default"].close()
                with tenant_context(tenant):
                    state = Document.objects.get().state
                if state == DocumentState.POSTED or time.monotonic() > deadline:
                    break
                time.sleep(0.3)
        assert state == DocumentState.POSTED
    finally:
        app.conf.task_routes = routes
        _reroute(app)
        task_postrun.disconnect(dispatch_uid="test.close_db")

    spans = traced.get_finished_spans()
    request = next(s for s in spans if s.kind == SpanKind.SERVER and "POST" in s.name)
    publish = next(s for s in spans if s.kind == SpanKind.PRODUCER and "documents.process_document" in s.name)
    run = next(s for s in spans if s.kind == SpanKind.CONSUMER and "documents.process_document" in s.name)
    trace_id = request.context.trace_id
    assert publish.context.trace_id == trace_id, "the task was queued inside the request's trace"
    assert run.context.trace_id == trace_id, "the worker's run joined the request's trace through the message"
    assert run.parent is not None and run.parent.span_id == publish.context.span_id
    queries_in_worker = [s for s in spans if s.context.trace_id == trace_id and s.kind == SpanKind.CLIENT]
    assert queries_in_worker, "database and Redis calls appear inside the same trace"
