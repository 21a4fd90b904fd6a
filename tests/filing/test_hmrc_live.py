"""What HMRC holds for a period: its own liabilities, the payments that pay it, read once a minute at most."""

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


def test_a_second_view_within_the_minute_does_not_call_hmrc_again(fake_hmrc):
    hmrc_live.period_financials(tenant=None, obligation=Q1, initiator=SYSTEM)
    calls = len(fake_hmrc.calls)
    again = hmrc_live.period_financials(tenant=None, obligation=Q1, initiator=SYSTEM)
    assert len(fake_hmrc.calls) == calls and again.liabilities
