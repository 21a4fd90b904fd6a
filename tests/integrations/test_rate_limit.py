"""HMRC's 3 requests a second for the whole application: slots reserved through the shared cache."""

from __future__ import annotations

import threading
from itertools import pairwise

import pytest
from django.core.cache import cache

from apps.integrations.errors import RateLimited
from apps.integrations.hmrc import rate_limit


class Clock:
    """A clock that moves only when the limiter sleeps (so no test waits or depends on timing)."""

    def __init__(self, now: float) -> None:
        self.now = now
        self.slept = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.now += seconds
        self.slept += seconds


@pytest.fixture(autouse=True)
def three_a_second(settings):
    settings.HMRC_RATE_LIMIT_PER_SECOND = 3
    cache.clear()
    yield
    cache.clear()


def starts(count: int, clock: Clock) -> list[float]:
    return [rate_limit.reserve_slot(clock=clock, sleep=clock.sleep) for _ in range(count)]


def test_no_one_second_window_ever_holds_more_than_three_calls():
    clock = Clock(1_000_000.123)
    times = starts(12, clock)
    assert times == sorted(times) and len(set(times)) == 12
    for first in times:
        assert sum(1 for t in times if first <= t < first + 1) <= 3
    assert all(b - a >= 1 / 3 - 1e-9 for a, b in pairwise(times))


def test_processes_share_the_budget_through_the_cache():
    """Two 'processes' (separate clocks, one cache) never get the same slot."""
    a, b = Clock(2_000_000.0), Clock(2_000_000.0)
    taken = [rate_limit.reserve_slot(clock=a, sleep=a.sleep), rate_limit.reserve_slot(clock=b, sleep=b.sleep)]
    assert taken[0] != taken[1]


def test_threads_at_once_each_get_a_slot_of_their_own():
    lock = threading.Lock()
    got: list[float] = []

    def one() -> None:
        start = rate_limit.reserve_slot(clock=lambda: 3_000_000.0, sleep=lambda s: None)
        with lock:
            got.append(start)

    threads = [threading.Thread(target=one) for _ in range(9)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(got) == 9 and len(set(got)) == 9


def test_a_call_that_would_wait_too_long_is_rate_limited_not_sent():
    clock = Clock(4_000_000.0)
    starts(3 * 2 + 1, clock)  # the next two seconds are taken
    clock.now = 4_000_000.0  # another process, at the same moment
    with pytest.raises(RateLimited) as refused:
        rate_limit.reserve_slot(max_wait=1.0, clock=clock, sleep=clock.sleep)
    assert refused.value.retryable and refused.value.retry_after == 1.0


def test_a_cache_that_cannot_be_reached_lets_the_call_through(monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(cache, "add", broken)
    clock = Clock(5_000_000.0)
    assert rate_limit.reserve_slot(clock=clock, sleep=clock.sleep) == 5_000_000.0


def test_every_vat_api_call_takes_a_slot(tenant_a, hmrc_connected, monkeypatch):
    from datetime import date

    from apps.integrations.hmrc.vat_client import HmrcVatClient
    from apps.sandbox.fixtures import DEMO_VRN
    from tests.fph import SYSTEM

    reserved = []
    monkeypatch.setattr(rate_limit, "reserve_slot", lambda **kw: reserved.append(kw) or 0.0)
    client = HmrcVatClient(tenant_a, initiator=SYSTEM)
    client.obligations(DEMO_VRN, from_date=date(2017, 1, 1), to_date=date(2017, 12, 31))
    client.obligations(DEMO_VRN, status="O")
    assert len(reserved) == 2
