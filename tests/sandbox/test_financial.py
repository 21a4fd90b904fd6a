"""GET .../liabilities and .../payments: derived from submitted returns.

The contract: docs/contracts/hmrc-vat-api.md, Liabilities and payments.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.sandbox.fixtures import DEMO_VRN
from apps.sandbox.periods import period_containing
from apps.sandbox.scenarios import LIABILITIES, PAYMENTS
from tests.sandbox.conftest import a_return

pytestmark = pytest.mark.django_db


def _window(today):
    return {"from": (today - timedelta(days=300)).isoformat(), "to": today.isoformat()}


@pytest.mark.parametrize("kind", ["liabilities", "payments"])
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "DATE_FROM_INVALID"),
        ({"from": "2016-04-05", "to": "2016-05-01"}, "DATE_FROM_INVALID"),
        ({"from": "2016/04/06", "to": "2016-05-01"}, "DATE_FROM_INVALID"),
        ({"from": "2026-01-01"}, "DATE_TO_INVALID"),
        ({"from": "2026-01-01", "to": "2099-01-01"}, "DATE_TO_INVALID"),
        ({"from": "2026-01-01", "to": "2026-01-01"}, "DATE_RANGE_INVALID"),
        ({"from": "2025-01-01", "to": "2026-01-01"}, "DATE_RANGE_INVALID"),
    ],
)
def test_parameter_errors_use_the_legacy_body(hmrc, kind, params, message):
    response = hmrc.get(f"/{DEMO_VRN}/{kind}", hmrc.access_token(), params)
    assert response.status_code == 400
    assert response.json() == {"statusCode": 400, "message": message}


@pytest.mark.parametrize("kind", ["liabilities", "payments"])
def test_nothing_submitted_is_404(hmrc, kind):
    response = hmrc.get(f"/{DEMO_VRN}/{kind}", hmrc.access_token(), _window(timezone.localdate()))
    assert response.status_code == 404 and response.json()["code"] == "NOT_FOUND"


def test_a_payable_return_becomes_a_liability_paid_on_its_due_date(hmrc):
    today = timezone.localdate()
    token = hmrc.access_token()
    # A quarter that ended and fell due at least two months ago.
    old = period_containing(today - timedelta(days=200), 1)
    assert hmrc.submit(DEMO_VRN, token, a_return(old.key)).status_code == 201
    params = {"from": (today - timedelta(days=300)).isoformat(), "to": today.isoformat()}
    liabilities = hmrc.get(f"/{DEMO_VRN}/liabilities", token, params).json()["liabilities"]
    assert liabilities == [
        {
            "taxPeriod": {"from": old.start.isoformat(), "to": old.end.isoformat()},
            "type": "VAT Return Debit Charge",
            "originalAmount": 1250,
            "outstandingAmount": 0,
            "due": old.due.isoformat(),
        }
    ]
    payments = hmrc.get(f"/{DEMO_VRN}/payments", token, params).json()["payments"]
    assert payments == [{"amount": 1250, "received": old.due.isoformat()}]


def test_a_liability_not_yet_due_is_outstanding_and_unpaid(hmrc, sandbox_clock):
    today = timezone.localdate()
    current = period_containing(today, 1)
    sandbox_clock.advance(days=(current.end - today).days + 1)  # the day after the period ends
    now = timezone.localdate(sandbox_clock.now())
    token = hmrc.access_token()
    assert hmrc.submit(DEMO_VRN, token, a_return(current.key, netVatDue=1250.00)).status_code == 201
    params = {"from": (now - timedelta(days=30)).isoformat(), "to": now.isoformat()}
    liability = hmrc.get(f"/{DEMO_VRN}/liabilities", token, params).json()["liabilities"][0]
    assert liability["outstandingAmount"] == 1250 and liability["due"] == current.due.isoformat()
    assert hmrc.get(f"/{DEMO_VRN}/payments", token, params).status_code == 404


def test_a_repayment_is_no_liability(hmrc):
    today = timezone.localdate()
    old = period_containing(today - timedelta(days=200), 1)
    token = hmrc.access_token()
    body = a_return(old.key, vatDueSales=300, totalVatDue=300, vatReclaimedCurrPeriod=1000, netVatDue=700)
    assert hmrc.submit(DEMO_VRN, token, body).status_code == 201
    params = {"from": (today - timedelta(days=364)).isoformat(), "to": today.isoformat()}
    assert hmrc.get(f"/{DEMO_VRN}/liabilities", token, params).status_code == 404


@pytest.mark.parametrize(("kind", "table"), [("liabilities", LIABILITIES), ("payments", PAYMENTS)])
def test_canned_scenarios(hmrc, kind, table):
    token = hmrc.access_token()
    for scenario, ((start, end), body) in table.items():
        params = {"from": start.isoformat(), "to": end.isoformat()}
        response = hmrc.get(f"/{DEMO_VRN}/{kind}", token, params, scenario=scenario)
        assert response.status_code == 200, scenario
        assert len(response.json()[kind]) == len(body[kind])
        outside = {"from": "2020-01-01", "to": "2020-06-01"}
        assert hmrc.get(f"/{DEMO_VRN}/{kind}", token, outside, scenario=scenario).status_code == 404


def test_observed_single_bodies(hmrc):
    token = hmrc.access_token()
    params = {"from": "2017-01-02", "to": "2017-02-02"}
    single = hmrc.get(f"/{DEMO_VRN}/liabilities", token, params, scenario="SINGLE_LIABILITY")
    assert single.content.decode() == (
        '{"liabilities":[{"taxPeriod":{"from":"2017-01-01","to":"2017-02-01"},"type":"VAT Return Debit Charge",'
        '"originalAmount":463872,"outstandingAmount":463872,"due":"2017-03-08"}]}'
    )
    payment = hmrc.get(f"/{DEMO_VRN}/payments", token, params, scenario="SINGLE_PAYMENT")
    assert payment.json() == {"payments": [{"amount": 1534.65, "received": "2017-02-12"}]}


@pytest.mark.parametrize("kind", ["liabilities", "payments"])
def test_insolvent_trader(hmrc, kind):
    response = hmrc.get(
        f"/{DEMO_VRN}/{kind}", hmrc.access_token(), _window(timezone.localdate()), scenario="INSOLVENT_TRADER"
    )
    assert response.status_code == 403 and response.json()["code"] == "RULE_INSOLVENT_TRADER"
