"""Structured logs: a correlation id on every line, carried into tasks, and no secrets, ever."""

from __future__ import annotations

import logging
import sys
from types import SimpleNamespace

import pytest
import structlog

from apps.observability import logging as logs


@pytest.fixture
def captured(caplog):
    caplog.set_level(logging.INFO)
    return caplog


def test_a_request_binds_its_id_echoes_it_and_cleans_up(client, captured):
    seen = {}

    def spy(request):
        seen.update(structlog.contextvars.get_contextvars())
        return None

    from django.http import HttpResponse

    from apps.observability.middleware import RequestIdMiddleware

    middleware = RequestIdMiddleware(lambda request: spy(request) or HttpResponse("ok"))
    from django.test import RequestFactory

    response = middleware(RequestFactory().get("/", HTTP_X_REQUEST_ID="req-abc-12345"))
    assert response["X-Request-ID"] == "req-abc-12345" and seen["request_id"] == "req-abc-12345"
    assert structlog.contextvars.get_contextvars() == {}, "nothing leaks into the next request"


@pytest.mark.django_db
@pytest.mark.urls("tests.urls_with_failures")
def test_tenant_and_user_join_the_context_of_a_portal_request(client, bookkeeper_a, tenant_a):
    client.force_login(bookkeeper_a)
    context = client.get(f"/t/{tenant_a.slug}/log-context/", HTTP_X_REQUEST_ID="req-portal-0001").json()
    assert context == {"request_id": "req-portal-0001", "user": str(bookkeeper_a.pk), "tenant": str(tenant_a.pk)}


def test_the_request_id_travels_into_a_task_by_header():
    logs.clear()
    logs.bind(request_id="req-into-task-1")
    headers: dict = {}
    logs.add_request_id_header(headers=headers)
    assert headers == {logs.REQUEST_ID_HEADER: "req-into-task-1"}

    logs.clear()  # the worker is another process
    task = SimpleNamespace(name="documents.process_document",
                           request=SimpleNamespace(is_eager=False, headers=headers))  # fmt: skip
    logs.bind_task_context(task_id="t-1", task=task, kwargs={"tenant_id": "ten-1"})
    context = structlog.contextvars.get_contextvars()
    assert context["request_id"] == "req-into-task-1" and context["tenant"] == "ten-1" and context["task_id"] == "t-1"
    logs.clear_task_context(task=task)
    assert structlog.contextvars.get_contextvars() == {}


def test_an_in_process_task_keeps_the_requests_id():
    logs.clear()
    logs.bind(request_id="req-eager-1")
    task = SimpleNamespace(name="x", request=SimpleNamespace(is_eager=True))
    logs.bind_task_context(task_id="t-2", task=task)
    logs.clear_task_context(task=task)
    assert structlog.contextvars.get_contextvars() == {"request_id": "req-eager-1"}
    logs.clear()


@pytest.mark.django_db
def test_no_secret_reaches_the_logs(client, user, tenant_a, bookkeeper_a, in_tenant, caplog):
    """Plant secrets where a careless log line could pick them up; scan every line written."""
    from apps.tenancy.models import Membership
    from apps.tenancy.services import create_api_token

    caplog.set_level(logging.DEBUG)
    password = "Planted-Password-8841"
    client.post("/accounts/login/", {"email": user.email, "password": password})
    with in_tenant(tenant_a):
        _, key = create_api_token(membership=Membership.objects.get(user=bookkeeper_a), name="scan",
                                  actor=bookkeeper_a)  # fmt: skip
    client.get("/api/v1/documents/", HTTP_AUTHORIZATION=f"Token {key}")
    client.get("/api/v1/documents/", HTTP_AUTHORIZATION="Token sr_planted-wrong-key-4471")
    logging.getLogger("strongroom.test").warning("careless", extra={"password": password, "api_token": key})
    # Every record written during the test, formatted by the product's own formatter (what ships to Loki).
    formatter = logging.getLogger().handlers[0].formatter
    formatted = "\n".join(formatter.format(record) for record in caplog.records)
    for secret in (password, key, "sr_planted-wrong-key-4471"):
        assert secret not in formatted
    assert "careless" in formatted and logs.REDACTED in formatted


def test_the_console_renders_exceptions_as_plain_tracebacks():
    """Not rich's highlighted boxes (they appear whenever rich is installed and cost ~25 ms per exception)."""
    spec = logs.logging_config(level="INFO", json=False)["formatters"]["structured"]
    formatter = spec["()"](processors=spec["processors"], foreign_pre_chain=spec["foreign_pre_chain"])
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("t", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    text = formatter.format(record)
    assert "Traceback (most recent call last)" in text
    assert "ValueError: boom" in text
    assert "╭" not in text and "│" not in text
