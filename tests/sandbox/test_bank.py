"""The bank-feed sandbox (contract in apps/sandbox/views/bank.py)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.integrations.bank_feed import api_key
from apps.sandbox.fixtures import DEMO_BANK_ACCOUNT_ID, DEMO_COMPANY_NUMBER, OTHER_BANK_ACCOUNT_ID

pytestmark = pytest.mark.django_db
ACCOUNTS = "/sandbox/bank/accounts"


def get(client, path: str, params=None, key: str | None = None):
    return client.get(path, params or {}, HTTP_X_API_KEY=api_key() if key is None else key)


def test_accounts(client):
    response = get(client, ACCOUNTS)
    assert response.status_code == 200
    accounts = {a["id"]: a for a in response.json()["accounts"]}
    assert {DEMO_BANK_ACCOUNT_ID, OTHER_BANK_ACCOUNT_ID} <= set(accounts)
    demo = accounts[DEMO_BANK_ACCOUNT_ID]
    assert demo["company_number"] == DEMO_COMPANY_NUMBER and demo["currency"] == "GBP"
    only = get(client, ACCOUNTS, {"company_number": DEMO_COMPANY_NUMBER}).json()["accounts"]
    assert [a["id"] for a in only] == [DEMO_BANK_ACCOUNT_ID]


def test_transactions_are_deterministic_and_balance(client):
    to_date = timezone.localdate() - timedelta(days=1)
    params = {"from": (to_date - timedelta(days=60)).isoformat(), "to": to_date.isoformat()}
    path = f"{ACCOUNTS}/{DEMO_BANK_ACCOUNT_ID}/transactions"
    first = get(client, path, params)
    assert first.status_code == 200
    body = first.json()
    assert body == get(client, path, params).json()
    lines = body["transactions"]
    assert len(lines) > 20
    balance = Decimal(body["opening_balance"])
    for line in lines:
        assert params["from"] <= line["booking_date"] <= params["to"]
        assert line["amount"] == f"{Decimal(line['amount']):.2f}"  # strings with two places, never floats
        assert line["credit_debit"] == ("credit" if Decimal(line["amount"]) > 0 else "debit")
        balance += Decimal(line["amount"])
        assert Decimal(line["running_balance"]) == balance
    assert Decimal(body["closing_balance"]) == balance
    assert len({line["id"] for line in lines}) == len(lines)
    # A sub-range gives the same lines (stable ids), and chains balances with the range before it.
    later = get(client, path, {"from": lines[-1]["booking_date"], "to": params["to"]}).json()
    assert later["transactions"][-1] == lines[-1]


def test_nothing_before_the_account_opened(client):
    path = f"{ACCOUNTS}/{OTHER_BANK_ACCOUNT_ID}/transactions"
    body = get(client, path, {"from": "2024-01-01", "to": "2024-05-31"}).json()
    assert body["transactions"] == [] and body["opening_balance"] == body["closing_balance"] == "1200.00"


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"from": "2025-01-01"},
        {"from": "2025-02-01", "to": "2025-01-01"},
        {"from": "2024-01-01", "to": "2025-01-02"},
        {"from": "01/01/2025", "to": "2025-02-01"},
        {"from": "2025-01-01", "to": (date.today() + timedelta(days=2)).isoformat()},
    ],
)
def test_bad_date_ranges(client, params):
    response = get(client, f"{ACCOUNTS}/{DEMO_BANK_ACCOUNT_ID}/transactions", params)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_date_range"


def test_unknown_account(client):
    response = get(client, f"{ACCOUNTS}/acc-nobody/transactions", {"from": "2025-01-01", "to": "2025-01-31"})
    assert response.status_code == 404 and response.json()["error"]["code"] == "account_not_found"


@pytest.mark.parametrize("key", ["", "wrong"])
def test_api_key_required(client, key):
    response = get(client, ACCOUNTS, key=key)
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthorised"
