"""http.call's resilience layer: retries outside the breaker for safe calls only, bounded; 429s; HMRC's budget."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from prometheus_client import REGISTRY

from apps.integrations import breakers, http
from apps.integrations.breakers import CircuitOpen
from apps.integrations.errors import ExternalServiceUnavailable, RateLimited
from apps.integrations.hmrc import rate_limit

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.integrations.fake_sandbox_urls")]


class FakeTime:
    """http's retry clock and sleep: waits are recorded and move the clock, so nothing really sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time(monkeypatch) -> FakeTime:
    fake = FakeTime()
    monkeypatch.setattr(http, "_pause", fake.sleep)
    monkeypatch.setattr(http, "_now", lambda: fake.now)
    return fake


@pytest.fixture
def resilience(settings, fake_time):
    settings.EXTERNAL_RETRY_ATTEMPTS = 3
    settings.EXTERNAL_RETRY_BACKOFF = 0.5
    settings.EXTERNAL_RETRY_MAX_WAIT = 4.0
    settings.EXTERNAL_RETRY_DEADLINE = 20.0
    settings.BREAKER_FAIL_MAX = 5
    settings.BREAKERS = {}
    return fake_time


@pytest.fixture
def fake(settings) -> str:
    return f"{settings.SITE_URL}/sandbox/fake"


def status_url(fake: str, code: int, body: dict | None = None, retry_after: str | None = None) -> str:
    url = f"{fake}/status/{code}/?body={quote(json.dumps(body or {}))}"
    return url + (f"&retry_after={retry_after}" if retry_after is not None else "")


def sent(adapter, url_part: str) -> int:
    return sum(1 for request in adapter.requests if url_part in request.url)


def calls(client: str, operation: str, outcome: str) -> float:
    labels = {"client": client, "operation": operation, "outcome": outcome}
    return REGISTRY.get_sample_value("strongroom_external_calls_total", labels) or 0.0


def test_a_safe_call_is_retried_with_jittered_exponential_backoff(sandbox_http, fake, resilience):
    with pytest.raises(ExternalServiceUnavailable):
        http.call("bank_feed", "statement", "GET", status_url(fake, 503))
    assert sent(sandbox_http, "/status/503/") == 3
    assert len(resilience.waits) == 2
    assert 0 <= resilience.waits[0] <= 0.5 * 2 and 0 <= resilience.waits[1] <= 0.5 * 4  # full jitter, capped
    assert breakers.snapshot("bank_feed").failures == 3  # each attempt went through the breaker


def test_the_vat_return_post_is_never_retried_here(sandbox_http, fake, resilience):
    """The filing service schedules the submission's retries; retrying here too would multiply them."""
    with pytest.raises(ExternalServiceUnavailable):
        http.call("hmrc", "submit_return", "POST", status_url(fake, 503), data=b"{}")
    assert sent(sandbox_http, "/status/503/") == 1 and resilience.waits == []


def test_a_post_declared_idempotent_is_retried(sandbox_http, fake, resilience):
    with pytest.raises(ExternalServiceUnavailable):
        http.call("companies_house", "search", "POST", status_url(fake, 502), idempotent=True)
    assert sent(sandbox_http, "/status/502/") == 3


def test_the_retry_loop_stops_as_soon_as_the_breaker_opens(sandbox_http, fake, resilience, settings):
    settings.EXTERNAL_RETRY_ATTEMPTS = 10
    settings.BREAKER_FAIL_MAX = 2
    before = calls("bank_feed", "statement", "circuit_open")
    with pytest.raises(CircuitOpen) as refused:
        http.call("bank_feed", "statement", "GET", status_url(fake, 503))
    assert sent(sandbox_http, "/status/503/") == 2  # the third attempt was refused before sending, never retried
    assert len(resilience.waits) == 2
    assert refused.value.key == "bank_feed"
    assert calls("bank_feed", "statement", "circuit_open") == before + 1
    with pytest.raises(CircuitOpen):  # and the next call sends nothing and does not wait
        http.call("bank_feed", "statement", "GET", status_url(fake, 503))
    assert sent(sandbox_http, "/status/503/") == 2 and len(resilience.waits) == 2


def test_rejections_are_neither_retried_nor_counted(sandbox_http, fake, resilience, settings):
    settings.BREAKER_FAIL_MAX = 1
    for code in (400, 403, 404, 409, 422):
        response = http.call("companies_house", "profile", "GET", status_url(fake, code, {"code": "NOPE"}))
        assert response.status_code == code
    assert sent(sandbox_http, "/status/4") == 5 and resilience.waits == []
    assert breakers.state("companies_house") == "closed"


def test_a_rejection_the_handler_raises_as_unavailable_is_not_a_breaker_failure(sandbox_http, fake, resilience):
    """HMRC's OAuth 'refresh already in progress' comes as a 400 the handler turns into a retryable error."""

    def busy(response):
        raise ExternalServiceUnavailable(code="REFRESH_IN_PROGRESS", service="HMRC")

    for _ in range(6):
        with pytest.raises(ExternalServiceUnavailable):
            http.call("hmrc_oauth", "refresh", "POST", status_url(fake, 400), handle=busy)
    assert breakers.state("hmrc") == "closed"


def test_a_429_waits_its_retry_after_and_never_trips_the_breaker(sandbox_http, fake, resilience, settings):
    settings.BREAKER_FAIL_MAX = 1
    with pytest.raises(RateLimited):
        http.call("companies_house", "profile", "GET", status_url(fake, 429, retry_after="2"))
    assert resilience.waits == [2.0, 2.0]  # Retry-After honoured, not the backoff
    assert breakers.state("companies_house") == "closed"


def test_a_429_asking_for_a_long_wait_is_handed_back_at_once(sandbox_http, fake, resilience):
    with pytest.raises(RateLimited) as caught:
        http.call("companies_house", "profile", "GET", status_url(fake, 429, retry_after="120"))
    assert caught.value.retry_after == 120.0
    assert sent(sandbox_http, "/status/429/") == 1 and resilience.waits == []


def test_no_attempt_starts_after_the_deadline(sandbox_http, fake, resilience, settings):
    """http.call never waits unbounded: attempts x timeouts plus waits that never pass the deadline."""
    settings.EXTERNAL_RETRY_ATTEMPTS = 1000
    settings.EXTERNAL_RETRY_DEADLINE = 10.0
    settings.EXTERNAL_RETRY_BACKOFF = 1.0
    with pytest.raises(ExternalServiceUnavailable):
        http.call("test", "status", "GET", status_url(fake, 503))  # no breaker for this client: only the deadline
    assert sum(resilience.waits) <= 10.0
    assert sent(sandbox_http, "/status/503/") == len(resilience.waits) + 1 < 1000


def test_every_attempt_has_explicit_timeouts(sandbox_http, fake, resilience, monkeypatch):
    seen = []
    original = http.session().request

    def spy(method, url, **kwargs):
        seen.append(kwargs.get("timeout"))
        return original(method, url, **kwargs)

    monkeypatch.setattr(http.session(), "request", spy)
    with pytest.raises(ExternalServiceUnavailable):
        http.call("bank_feed", "statement", "GET", status_url(fake, 503))
    assert seen == [http.timeouts()] * 3 and all(t is not None and all(t) for t in seen)


def test_an_open_breaker_sends_nothing(sandbox_http, fake, resilience, settings):
    settings.BREAKERS = {"hmrc": {"fail_max": 1}}
    with pytest.raises(ExternalServiceUnavailable):
        http.call("hmrc", "submit_return", "POST", status_url(fake, 500), data=b"{}")
    with pytest.raises(CircuitOpen) as refused:
        http.call("hmrc_oauth", "refresh", "POST", f"{fake}/echo/")  # HMRC's OAuth endpoint is HMRC too
    assert sent(sandbox_http, "/echo/") == 0
    assert "HMRC" in refused.value.message


def test_hmrc_rate_budget_is_applied_to_every_hmrc_attempt_and_only_those(sandbox_http, fake, resilience, monkeypatch):
    slots = []
    monkeypatch.setattr(rate_limit, "reserve_slot", lambda **kwargs: slots.append(1))
    http.call("hmrc", "obligations", "GET", f"{fake}/echo/")
    http.call("hmrc_oauth", "token", "POST", f"{fake}/echo/")
    http.call("companies_house", "profile", "GET", f"{fake}/echo/")
    assert len(slots) == 2
    with pytest.raises(ExternalServiceUnavailable):
        http.call("hmrc", "obligations", "GET", status_url(fake, 503))
    assert len(slots) == 2 + 3  # one slot per attempt


def test_our_own_rate_limiter_refusing_is_not_a_breaker_failure(sandbox_http, fake, resilience, monkeypatch, settings):
    settings.BREAKERS = {"hmrc": {"fail_max": 1}}

    def full(**kwargs):
        raise RateLimited(service="HMRC", retry_after=10.0)

    monkeypatch.setattr(rate_limit, "reserve_slot", full)
    for _ in range(3):
        with pytest.raises(RateLimited):
            http.call("hmrc", "obligations", "GET", f"{fake}/echo/")
    assert sent(sandbox_http, "/echo/") == 0
    assert breakers.state("hmrc") == "closed"
