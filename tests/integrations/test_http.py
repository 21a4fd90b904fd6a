"""The HTTP layer: one session, timeouts, outcome metrics, safe logs, and the in-process sandbox transport."""

from __future__ import annotations

import json
import logging
import socket
from urllib.parse import quote

import pytest
import requests
from prometheus_client import REGISTRY

from apps.integrations import http
from apps.integrations.errors import (
    ExternalServiceUnavailable,
    HmrcRejected,
    IntegrationError,
    RateLimited,
)

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.integrations.fake_sandbox_urls")]


def calls(client: str, operation: str, outcome: str) -> float:
    labels = {"client": client, "operation": operation, "outcome": outcome}
    return REGISTRY.get_sample_value("strongroom_external_calls_total", labels) or 0.0


def durations(client: str, operation: str) -> float:
    labels = {"client": client, "operation": operation}
    return REGISTRY.get_sample_value("strongroom_external_call_duration_seconds_count", labels) or 0.0


@pytest.fixture
def fake(settings):
    return f"{settings.SITE_URL}/sandbox/fake"


def test_session_is_one_shared_object():
    assert http.session() is http.session()


def test_the_transport_runs_the_app_in_process_on_the_tests_transaction(sandbox_http, fake, tenant_a):
    response = http.call(
        "test",
        "echo",
        "POST",
        f"{fake}/echo/?a=1&b=two%20words",
        json={"x": "1.10"},
        headers={"X-Thing": "yes", "Authorization": "Bearer abc"},
    )
    body = response.json()
    assert response.status_code == 200
    assert body["method"] == "POST"
    assert body["query"] == {"a": "1", "b": "two words"}
    assert json.loads(body["body"]) == {"x": "1.10"}
    assert body["content_type"] == "application/json"
    assert body["headers"]["X-Thing"] == "yes"
    assert body["headers"]["Authorization"] == "Bearer abc"
    assert body["tenants"] == [tenant_a.slug]  # uncommitted, yet visible to the sandbox
    assert sandbox_http.requests[-1].url.startswith(fake)


def test_the_transport_enforces_csrf_like_a_real_server(sandbox_http, fake):
    assert http.call("test", "csrf", "POST", f"{fake}/csrf/", data={"a": "b"}).status_code == 403


def test_a_5xx_is_unavailable_and_counted(sandbox_http, fake):
    before = calls("test", "status", "unavailable"), durations("test", "status")
    body = quote(json.dumps({"code": "SERVER_ERROR", "message": "x"}))
    with pytest.raises(ExternalServiceUnavailable) as caught:
        http.call("test", "status", "GET", f"{fake}/status/503/?body={body}")
    assert caught.value.retryable and caught.value.code == "SERVER_ERROR"
    assert calls("test", "status", "unavailable") == before[0] + 1
    assert durations("test", "status") == before[1] + 1


def test_a_429_is_rate_limited_with_retry_after(sandbox_http, fake):
    before = calls("hmrc", "status", "rate_limited")
    body = quote(json.dumps({"code": "MESSAGE_THROTTLED_OUT"}))
    with pytest.raises(RateLimited) as caught:
        http.call("hmrc", "status", "GET", f"{fake}/status/429/?body={body}&retry_after=7", handle=lambda r: r)
    assert caught.value.retry_after == 7.0
    assert caught.value.code == "MESSAGE_THROTTLED_OUT"
    assert "HMRC" in caught.value.message
    assert isinstance(caught.value, ExternalServiceUnavailable)
    assert calls("hmrc", "status", "rate_limited") == before + 1


def test_outcomes_follow_what_the_handler_made_of_the_response(sandbox_http, fake):
    url = f"{fake}/status/400/?body={quote(json.dumps({'code': 'INVALID_REQUEST'}))}"
    before = {o: calls("test", "outcomes", o) for o in http.OUTCOMES}

    assert http.call("test", "outcomes", "GET", url).status_code == 400  # no handler: a 4xx is "rejected"

    def reject(response):
        raise HmrcRejected(code=response.json()["code"], status=response.status_code)

    with pytest.raises(HmrcRejected):
        http.call("test", "outcomes", "GET", url, handle=reject)
    assert http.call("test", "outcomes", "GET", url, handle=lambda r: "fine") == "fine"

    def bug(response):
        raise ValueError("garbled")

    with pytest.raises(ValueError):
        http.call("test", "outcomes", "GET", url, handle=bug)
    after = {o: calls("test", "outcomes", o) for o in http.OUTCOMES}
    assert {o: after[o] - before[o] for o in http.OUTCOMES} == {
        "ok": 1,
        "rejected": 2,
        "unavailable": 0,
        "rate_limited": 0,
        "timeout": 0,
        "error": 1,
        "circuit_open": 0,
    }


def test_a_slow_in_process_answer_is_a_timeout(sandbox_http, fake):
    before = calls("test", "slow", "timeout")
    with pytest.raises(ExternalServiceUnavailable) as caught:
        http.call("test", "slow", "GET", f"{fake}/slow/?seconds=0.2", timeout=(1.0, 0.05))
    assert caught.value.code == "TIMEOUT"
    assert calls("test", "slow", "timeout") == before + 1


def test_a_loopback_server_that_never_answers_times_out():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)  # the kernel completes the handshake; nobody ever reads or writes
    port = server.getsockname()[1]
    before = calls("test", "silent", "timeout")
    try:
        with pytest.raises(ExternalServiceUnavailable) as caught:
            http.call("test", "silent", "GET", f"http://127.0.0.1:{port}/x", timeout=(1.0, 0.2))
    finally:
        server.close()
    assert caught.value.code == "TIMEOUT" and caught.value.retryable
    assert calls("test", "silent", "timeout") == before + 1


def test_a_refused_connection_is_unavailable():
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now
    before = calls("test", "refused", "unavailable")
    with pytest.raises(ExternalServiceUnavailable) as caught:
        http.call("test", "refused", "GET", f"http://127.0.0.1:{port}/x", timeout=(0.5, 0.5))
    assert caught.value.code == "CONNECTION_FAILED"
    assert calls("test", "refused", "unavailable") == before + 1


def test_a_malformed_url_is_an_error_not_a_crash():
    with pytest.raises(IntegrationError) as caught:
        http.call("test", "bad", "GET", "http://")
    assert caught.value.code == "REQUEST_FAILED"
    assert not caught.value.retryable


def test_logs_carry_no_tokens_headers_bodies_or_query(sandbox_http, fake, caplog):
    caplog.set_level(logging.INFO)
    http.call(
        "test",
        "echo",
        "POST",
        f"{fake}/echo/?code=secret-auth-code",
        data={"client_secret": "s3cr3t-value"},
        headers={"Authorization": "Bearer tok-123456"},
    )
    text = " ".join(str(record.msg) for record in caplog.records if record.name == "strongroom.integrations")
    assert "external_call" in text and "/sandbox/fake/echo/" in text
    for secret in ("tok-123456", "s3cr3t-value", "secret-auth-code", "Bearer"):
        assert secret not in text


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12", 12.0), ("", None), ("soon", None), ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0)],
)
def test_retry_after_parsing(value, expected):
    response = requests.Response()
    if value:
        response.headers["Retry-After"] = value
    assert http.retry_after_seconds(response) == expected
