"""OpenTelemetry traces: Django, Celery, psycopg and Redis, exported over OTLP/HTTP.

Off unless an OTLP endpoint is configured with the standard variables
(``OTEL_EXPORTER_OTLP_ENDPOINT`` or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``; the
protocol is http/protobuf), so the demo and the tests export nothing. Set up
after fork, in each process that serves (gunicorn's ``post_fork``, Celery's
``worker_process_init``): the exporter's thread must not be forked.
The trace context rides in Celery's message headers, so a request and the
tasks it enqueues are one trace.
"""

from __future__ import annotations

import os

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter

_instrumented = False


def tracing_configured() -> bool:
    if os.environ.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return False
    return bool(os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))


def instrument_libraries() -> None:
    global _instrumented
    if _instrumented:
        return
    from opentelemetry.instrumentation.celery import CeleryInstrumentor
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    DjangoInstrumentor().instrument(excluded_urls="health/,metrics")
    CeleryInstrumentor().instrument()
    PsycopgInstrumentor().instrument(enable_commenter=False)
    RedisInstrumentor().instrument()
    _instrumented = True


def configure_tracing(service_name: str, *, exporter: SpanExporter | None = None) -> bool:
    """Install the tracer provider and instrumentations; returns False when tracing is off."""
    if exporter is None and not tracing_configured():
        return False
    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    if exporter is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    else:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    instrument_libraries()
    return True


def current_ids() -> dict[str, str]:
    """trace_id and span_id of the active span, for log lines (empty when not tracing)."""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return {}
    return {"trace_id": f"{context.trace_id:032x}", "span_id": f"{context.span_id:016x}"}
