"""What HMRC holds for a period: its own liabilities, the payments that pay it, read once a minute at most,
by a worker: a web view reads the cache only (issue #17: HMRC slow tied up every web process)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import cache

from apps.filing.services import hmrc_live
from apps.integrations.hmrc.vat_client import Liability, Payment
from tests.fph import SYSTEM

pytestmark = pytest.mark.django_db


class Obligation:
    def __init__(self, start: date, end: date, due: date) -> None:
        self.start, self.end, self.due = start, end, due
        self.tenant_id, self.vrn, self.period_key = "t", "123456789", "25A1"


Q1 = Obligation(date(2025, 1, 1), date(2025, 3, 31), date(2025, 5, 7))


@pytest.mark.parametrize(
    ("start", "end", "next_end"),
    [
        (date(2025, 1, 1), date(2025, 3, 31), date(2025, 6, 30)),
        (date(2025, 11, 1), date(2026, 1, 31), date(2026, 4, 30)),
        (date(2025, 12, 1), date(2025, 12, 31), date(2026, 1, 31)),
        (date(2024, 2, 1), date(2025, 1, 31), date(2026, 1, 31)),
    ],
)
def test_the_next_period_of_the_same_length(start, end, next_end):
    assert hmrc_live._next_period_end(start, end) == next_end


@pytest.mark.parametrize(
    ("today", "window"),
    [
        (date(2025, 3, 15), None),  # the period has not ended: nothing can pay it yet
        (date(2025, 4, 1), None),  # from must be before to
        (date(2025, 4, 20), (date(2025, 4, 1), date(2025, 4, 20))),
        (date(2025, 12, 1), (date(2025, 4, 1), date(2025, 6, 30))),  # up to the end of the next period
    ],
)
def test_the_payments_that_pay_a_period_are_those_received_after_it_ended(today, window):
    assert hmrc_live.payment_window(Q1, today) == window


class FakeClient:
    calls: list = []

    def __init__(self, tenant, *, initiator) -> None:
        self.initiator = initiator

    def liabilities(self, vrn, *, from_date, to_date):
        FakeClient.calls.append(("liabilities", from_date, to_date))
        return [
            Liability("VAT Return Debit Charge", Decimal("100.00"), None, None, date(2025, 1, 1), date(2025, 3, 31)),
            Liability("VAT Return Debit Charge", Decimal("999.00"), None, None, date(2024, 10, 1), date(2024, 12, 31)),
        ]

    def payments(self, vrn, *, from_date, to_date):
        FakeClient.calls.append(("payments", from_date, to_date))
        return [Payment(Decimal("100.00"), date(2025, 5, 2))]


@pytest.fixture
def fake_hmrc(monkeypatch, settings):
    cache.clear()
    FakeClient.calls = []
    monkeypatch.setattr(hmrc_live, "HmrcVatClient", FakeClient)
    monkeypatch.setattr(hmrc_live.timezone, "localdate", lambda: date(2025, 6, 1))
    yield FakeClient
    cache.clear()


def test_only_the_period_s_own_liabilities_are_shown_and_payments_from_after_it_ended(fake_hmrc):
    result = hmrc_live.period_financials(tenant=None, obligation=Q1, initiator=SYSTEM)
    assert [item.original_amount for item in result.liabilities] == [Decimal("100.00")]
    assert ("payments", date(2025, 4, 1), date(2025, 6, 1)) in fake_hmrc.calls
    assert result.payments_from == date(2025, 4, 1) and result.payments_to == date(2025, 6, 1)


def inline_refresh():
    """What the worker does, run at once: read HMRC with the person's initiator and keep the snapshot."""
    return lambda: hmrc_live.refresh_financials(tenant=None, obligation=Q1, initiator=SYSTEM)


def test_a_second_view_within_the_minute_does_not_call_hmrc_again(fake_hmrc):
    first = hmrc_live.live_financials(Q1, refresh=inline_refresh())
    calls = len(fake_hmrc.calls)
    again = hmrc_live.live_financials(Q1, refresh=inline_refresh())
    assert len(fake_hmrc.calls) == calls and again.financials.liabilities and not again.refreshing
    assert first.financials.read_at == again.financials.read_at


def test_a_web_view_never_calls_hmrc_and_queues_one_refresh_however_many_look(fake_hmrc):
    queued = []
    views = [hmrc_live.live_financials(Q1, refresh=lambda: queued.append(1)) for _ in range(20)]
    assert fake_hmrc.calls == [], "the request path reads the cache only"
    assert len(queued) == 1, "one background read per period at a time: no storm on a slow HMRC"
    assert all(v.refreshing and v.financials is None for v in views)


def test_stale_figures_are_shown_as_of_their_read_while_a_refresh_runs(fake_hmrc, settings):
    hmrc_live.live_financials(Q1, refresh=inline_refresh())
    settings.HMRC_LIVE_READ_CACHE_SECONDS = 0  # everything cached is now stale
    queued = []
    view = hmrc_live.live_financials(Q1, refresh=lambda: queued.append(1))
    assert queued == [1] and view.refreshing and view.stale
    assert view.financials.liabilities and view.financials.read_at is not None


def test_a_failed_read_keeps_the_last_figures_with_the_error_and_frees_the_next_refresh(
    fake_hmrc, settings, monkeypatch
):
    from apps.integrations.errors import IntegrationError

    hmrc_live.live_financials(Q1, refresh=inline_refresh())
    settings.HMRC_LIVE_READ_CACHE_SECONDS = 0

    def slow(*args, **kwargs):
        raise IntegrationError("HMRC did not answer in time.")

    monkeypatch.setattr(fake_hmrc, "liabilities", slow)
    hmrc_live.live_financials(Q1, refresh=inline_refresh())
    snapshot = hmrc_live.cached_snapshot(Q1)
    assert snapshot.error == "HMRC did not answer in time." and snapshot.financials.liabilities
    assert cache.get(hmrc_live._lock_key(Q1)) is None, "the next view may ask again"


def test_a_refresh_that_cannot_be_queued_is_said_and_not_locked(fake_hmrc):
    from apps.integrations.hmrc.initiator import BrowserFactsMissing

    def refuse():
        raise BrowserFactsMissing()

    view = hmrc_live.live_financials(Q1, refresh=refuse)
    assert "device details" in view.error and not view.refreshing
    assert cache.get(hmrc_live._lock_key(Q1)) is None
