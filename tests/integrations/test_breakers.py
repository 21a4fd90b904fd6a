"""The breakers' rules, on both stores: what trips them, what never does, the half-open trial, Redis down."""

from __future__ import annotations

import threading

import pytest
from prometheus_client import REGISTRY

from apps.integrations import breaker_store, breakers
from apps.integrations.breakers import CircuitOpen
from apps.integrations.errors import (
    CompanyNotFound,
    ExternalServiceUnavailable,
    HmrcNotConnected,
    HmrcRejected,
    IntegrationError,
    RateLimited,
)
from apps.integrations.signals import breaker_state_changed
from tests.integrations.breaker_helpers import STORES, use_store

KEY = "bank_feed"


@pytest.fixture(params=STORES)
def store(request, settings):
    kind = request.param
    use_store(settings, kind)
    breakers.reset()
    yield kind
    breakers.reset()


@pytest.fixture
def transitions():
    """Every breaker_state_changed sent during the test (the banner receiver is not what is tested here)."""
    seen: list[tuple[str, str, str]] = []

    def receiver(sender, key, old_state, new_state, **kwargs):
        seen.append((key, old_state, new_state))

    receivers = breaker_state_changed.receivers
    breaker_state_changed.receivers = []
    breaker_state_changed.sender_receivers_cache.clear()
    breaker_state_changed.connect(receiver, weak=False)
    yield seen
    breaker_state_changed.receivers = receivers
    breaker_state_changed.sender_receivers_cache.clear()


def down(*args):
    raise ExternalServiceUnavailable(code="TIMEOUT", service="The bank")


def ok():
    return "answer"


def fail(times: int) -> None:
    for _ in range(times):
        with pytest.raises(ExternalServiceUnavailable):
            breakers.guarded(KEY, down)


def transitions_total(state: str) -> float:
    return (
        REGISTRY.get_sample_value("strongroom_circuit_breaker_transitions_total", {"breaker": KEY, "state": state})
        or 0.0
    )


def test_it_opens_after_fail_max_failures_in_a_row_and_then_sends_nothing(store, clock, transitions):
    before = transitions_total("open")
    fail(2)
    assert breakers.state(KEY) == "closed"
    fail(1)
    assert breakers.state(KEY) == "open" and breakers.is_open(KEY)
    called = []
    with pytest.raises(CircuitOpen) as refused:
        breakers.guarded(KEY, lambda: called.append(1))
    assert called == []
    assert refused.value.key == KEY and refused.value.code == "CIRCUIT_OPEN" and refused.value.retryable
    assert refused.value.retry_in == pytest.approx(30.0)
    assert isinstance(refused.value, ExternalServiceUnavailable)  # callers that handle outages handle it too
    assert transitions == [(KEY, "closed", "open")]  # one announcement, by the call that opened it
    assert transitions_total("open") == before + 1


def test_a_success_resets_the_count(store, clock):
    fail(2)
    assert breakers.guarded(KEY, ok) == "answer"
    fail(2)
    assert breakers.state(KEY) == "closed"
    assert breakers.snapshot(KEY).failures == 2


@pytest.mark.parametrize(
    "rejection",
    [
        HmrcRejected(code="VRN_INVALID", status=400),
        CompanyNotFound(company_number="00000000"),
        HmrcNotConnected(),
        IntegrationError(code="CH_HTTP_400"),
        RateLimited(service="HMRC", retry_after=1.0),
        ValueError("our own bug"),
    ],
    ids=["hmrc-rejected", "company-not-found", "not-connected", "4xx", "429", "bug"],
)
def test_rejections_rate_limits_and_bugs_never_trip_it(store, clock, rejection):
    def answer():
        raise rejection

    for _ in range(10):
        with pytest.raises(type(rejection)):
            breakers.guarded(KEY, answer)
    assert breakers.state(KEY) == "closed"
    assert breakers.snapshot(KEY).failures == 0


def test_after_the_reset_timeout_one_trial_goes_and_its_success_closes(store, clock, transitions):
    fail(3)
    clock.advance(29.9)
    with pytest.raises(CircuitOpen):
        breakers.guarded(KEY, ok)
    clock.advance(0.2)
    assert breakers.state(KEY) == "half_open" and not breakers.is_open(KEY)  # parked work may drain
    breakers.acquire(KEY)  # this caller holds the trial
    with pytest.raises(CircuitOpen):  # everyone else waits for its verdict
        breakers.guarded(KEY, ok)
    breakers.record(KEY, "success")
    assert breakers.state(KEY) == "closed"
    assert breakers.snapshot(KEY).failures == 0
    assert transitions == [(KEY, "closed", "open"), (KEY, "open", "half_open"), (KEY, "half_open", "closed")]


def test_a_failed_trial_opens_it_again_for_a_full_reset_timeout(store, clock, transitions):
    fail(3)
    clock.advance(31)
    fail(1)
    status = breakers.snapshot(KEY)
    assert status.state == "open"
    assert status.opened_at.timestamp() == pytest.approx(clock.now)
    assert status.next_trial_at.timestamp() == pytest.approx(clock.now + 30)
    assert transitions[-1] == (KEY, "half_open", "open")


def test_a_trial_whose_caller_vanished_frees_its_lease(store, clock):
    fail(3)
    clock.advance(31)
    breakers.acquire(KEY)  # the trial's process dies: no record() ever comes
    with pytest.raises(CircuitOpen):
        breakers.guarded(KEY, ok)
    clock.advance(10.1)  # BREAKER_TRIAL_LEASE_SECONDS
    assert breakers.guarded(KEY, ok) == "answer"
    assert breakers.state(KEY) == "closed"


def test_a_neutral_trial_lets_the_next_caller_try(store, clock):
    fail(3)
    clock.advance(31)
    with pytest.raises(RateLimited):
        breakers.guarded(KEY, lambda: (_ for _ in ()).throw(RateLimited(service="The bank")))
    assert breakers.guarded(KEY, ok) == "answer"


def test_endings_of_calls_that_left_before_it_opened_change_nothing(store, clock):
    fail(3)
    opened_at = breakers.snapshot(KEY).opened_at
    clock.advance(5)
    breakers.record(KEY, "failure")
    breakers.record(KEY, "success")
    assert breakers.state(KEY) == "open" and breakers.snapshot(KEY).opened_at == opened_at


def test_settings_per_key(store, clock, settings):
    settings.BREAKERS = {KEY: {"fail_max": 1, "reset_timeout": 5}}
    fail(1)
    assert breakers.snapshot(KEY).state == "open"
    assert breakers.snapshot(KEY).reset_timeout == 5.0
    assert breakers.snapshot(KEY).store == store  # the parameter really chose the store
    assert breakers.state("hmrc") == "closed"  # one breaker per dependency


@pytest.mark.redis
def test_only_one_of_many_concurrent_callers_gets_the_trial(settings, clock):
    """The check-then-act is one Lua script: no two processes (threads here) both get the trial."""
    use_store(settings, "redis")
    breakers.reset()
    fail(3)
    clock.advance(31)
    allowed: list[bool] = []
    start = threading.Barrier(16)

    def caller():
        start.wait()
        try:
            breakers.acquire(KEY)
            allowed.append(True)
        except CircuitOpen:
            allowed.append(False)

    threads = [threading.Thread(target=caller) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert allowed.count(True) == 1
    breakers.reset()


def test_the_embedded_mode_keeps_the_state_in_the_process(settings, clock):
    use_store(settings, "memory")
    assert breaker_store.current().name == "memory"
    fail(3)
    assert breakers.snapshot(KEY).store == "memory" and breakers.is_open(KEY)


def test_when_redis_is_down_each_process_protects_itself_in_memory(settings, clock, monkeypatch, caplog):
    """Decision 0016: not 'closed' (no protection) and not 'open' (no service): this process's own breaker."""
    use_store(settings, "memory")
    settings.BREAKER_REDIS_URL = "redis://127.0.0.1:57199/0"  # our port range; nothing listens there
    settings.BREAKER_REDIS_TIMEOUT = 0.2
    breakers.reset()
    store = breaker_store.current()
    tries = []
    original = store.redis.acquire

    def counted(*args):
        tries.append(1)
        return original(*args)

    monkeypatch.setattr(store.redis, "acquire", counted)
    before = REGISTRY.get_sample_value("strongroom_circuit_breaker_store_fallbacks_total") or 0.0
    fail(3)
    assert breakers.is_open(KEY)
    assert breakers.snapshot(KEY).store == "memory"
    assert len(tries) == 1  # one short wait, then memory until BREAKER_REDIS_RETRY_SECONDS have passed
    assert REGISTRY.get_sample_value("strongroom_circuit_breaker_store_fallbacks_total") == before + 1
    with pytest.raises(CircuitOpen):
        breakers.guarded(KEY, ok)
    breakers.reset()


def test_redis_client_has_short_timeouts_and_no_retries(settings):
    use_store(settings, "memory")
    settings.BREAKER_REDIS_URL = "redis://127.0.0.1:57199/0"
    settings.BREAKER_REDIS_TIMEOUT = 0.25
    client = breaker_store.current().redis.client
    kwargs = client.connection_pool.connection_kwargs
    assert kwargs["socket_connect_timeout"] == 0.25 and kwargs["socket_timeout"] == 0.25
    assert client.get_retry()._retries == 0


@pytest.mark.redis
def test_redis_is_used_again_once_it_answers(settings, clock, monkeypatch, caplog):
    from redis.exceptions import ConnectionError as RedisConnectionError

    use_store(settings, "redis")
    settings.BREAKER_REDIS_RETRY_SECONDS = 0.0  # try Redis again at the next call
    breakers.reset()
    store = breaker_store.current()
    original = store.redis.acquire
    blips = iter([True])

    def flaky(*args):
        if next(blips, False):
            raise RedisConnectionError("blip")
        return original(*args)

    monkeypatch.setattr(store.redis, "acquire", flaky)
    breakers.guarded(KEY, ok)  # Redis blinked: this one was decided in memory, and still went through
    fail(3)  # Redis answers again: the shared breaker counts these
    status = breakers.snapshot(KEY)
    assert status.store == "redis" and status.state == "open"
    assert store.redis.read(KEY).state == "open"
    breakers.reset()
