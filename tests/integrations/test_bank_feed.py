"""The bank-feed client against the sandbox: accounts, statements with exact amounts, errors and faults."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from apps.integrations import bank_feed
from apps.integrations.errors import ExternalServiceUnavailable, IntegrationError, RateLimited
from apps.sandbox.services.faults import set_fault

pytestmark = pytest.mark.django_db

TODAY = date.today()


@pytest.fixture
def bank(sandbox_http, no_faults):
    return sandbox_http


def test_accounts_and_a_statement(bank):
    accounts = bank_feed.list_accounts()
    assert accounts and all(isinstance(a, bank_feed.BankAccount) for a in accounts)
    account = accounts[0]
    assert account.currency == "GBP" and account.id
    assert bank.requests[-1].headers["X-API-Key"] == bank_feed.api_key()
    statement = bank_feed.list_transactions(account.id, from_date=TODAY - timedelta(days=90), to_date=TODAY)
    assert statement.account_id == account.id
    assert isinstance(statement.opening_balance, Decimal) and isinstance(statement.closing_balance, Decimal)
    lines = statement.transactions
    assert all(isinstance(t.amount, Decimal) and t.amount == t.amount.quantize(Decimal("0.01")) for t in lines)
    assert [t.booking_date for t in lines] == sorted(t.booking_date for t in lines)
    if lines:
        assert statement.opening_balance + sum(t.amount for t in lines) == statement.closing_balance
        assert lines[-1].running_balance == statement.closing_balance


def test_accounts_by_company(bank):
    from apps.sandbox.fixtures import DEMO_COMPANY_NUMBER

    mine = bank_feed.list_accounts(company_number=DEMO_COMPANY_NUMBER)
    assert all(a.company_number == DEMO_COMPANY_NUMBER for a in mine)
    assert bank_feed.list_accounts(company_number="00000001") == []


def test_an_unknown_account_and_bad_dates(bank):
    with pytest.raises(IntegrationError) as caught:
        bank_feed.list_transactions("nope", from_date=TODAY - timedelta(days=5), to_date=TODAY)
    assert caught.value.code == "account_not_found" and not caught.value.retryable
    account = bank_feed.list_accounts()[0]
    with pytest.raises(IntegrationError) as caught:
        bank_feed.list_transactions(account.id, from_date=TODAY, to_date=TODAY - timedelta(days=5))
    assert caught.value.code == "invalid_date_range"


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ({"outage": True}, ExternalServiceUnavailable),
        ({"rate_limited": True}, RateLimited),
        ({"error_rate": 1.0}, ExternalServiceUnavailable),
    ],
)
def test_faults(bank, fault, error):
    set_fault("bank", **fault)
    with pytest.raises(error) as caught:
        bank_feed.list_accounts()
    assert caught.value.retryable


def test_a_wrong_key(bank, monkeypatch):
    from apps.integrations import http

    real_call = http.call
    monkeypatch.setattr(http, "call", lambda *a, **kw: real_call(*a, **{**kw, "headers": {"X-API-Key": "wrong"}}))
    with pytest.raises(IntegrationError) as caught:
        bank_feed.list_accounts()
    assert caught.value.code == "BANK_UNAUTHORISED"


@pytest.mark.parametrize("amount", [1.5, True, "NaN", "abc", None])
def test_amounts_must_be_decimal_strings(amount):
    with pytest.raises(ValueError):
        bank_feed._money(amount)
