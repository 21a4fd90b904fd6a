"""The bank-feed client (contract: apps/sandbox/views/bank.py; there is no public standard).

``X-API-Key`` authentication; amounts arrive as decimal strings with two
places (negative = money out) and are returned as Decimal. 429 and 5xx are
retryable (raised by the HTTP layer); a 404 or 400 is IntegrationError with a
plain message; a 401 is our configuration.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

import requests
from django.conf import settings

from apps.integrations import http
from apps.integrations.credentials import provided_secret
from apps.integrations.errors import ExternalServiceUnavailable, IntegrationError

CLIENT = "bank_feed"


def api_key() -> str:
    """Env BANK_FEED_API_KEY, else secret ``bank_feed_api_key`` (TTL-cached), else the sandbox's derived key."""
    return provided_secret("bank_feed_api_key", "BANK_FEED_API_KEY", "bank-feed-sandbox-key")


@dataclass(frozen=True)
class BankAccount:
    id: str
    name: str
    holder_name: str
    company_number: str
    sort_code: str
    account_number: str
    currency: str
    opened_on: date | None


@dataclass(frozen=True)
class BankTransaction:
    id: str
    booking_date: date
    amount: Decimal  # negative: money out
    currency: str
    credit_debit: str
    description: str
    counterparty: str
    running_balance: Decimal | None


@dataclass(frozen=True)
class Statement:
    account_id: str
    from_date: date
    to_date: date
    opening_balance: Decimal
    closing_balance: Decimal
    transactions: list[BankTransaction]


def _bad(what: str) -> ExternalServiceUnavailable:
    return ExternalServiceUnavailable(
        f"The bank sent {what} we could not read. Please try again later.", code="BAD_RESPONSE", service="The bank"
    )


def _money(value: Any) -> Decimal:
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise ValueError(f"not an amount: {value!r}")  # never a float
    try:
        amount = Decimal(value)
    except InvalidOperation as error:
        raise ValueError(f"not an amount: {value!r}") from error
    if not amount.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return amount


def _optional_money(value: Any) -> Decimal | None:
    return None if value is None else _money(value)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _raise_for_status(response: requests.Response) -> None:
    if response.status_code == 200:
        return
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        error = {}
    code = _text(error.get("code")) if isinstance(error, dict) else ""
    if response.status_code == 401:
        raise IntegrationError("The bank refused our access key. Our team has been told.", code="BANK_UNAUTHORISED")
    if response.status_code == 404:
        raise IntegrationError("The bank has no such account.", code=code or "account_not_found")
    if response.status_code == 400:
        raise IntegrationError(
            "The bank did not accept the dates: at most 366 days, start before end, not in the future.",
            code=code or "invalid_request",
        )
    raise IntegrationError("The bank did not accept the request.", code=code or f"BANK_HTTP_{response.status_code}")


def _headers() -> dict[str, str]:
    return {"X-API-Key": api_key(), "Accept": "application/json"}


def list_accounts(*, company_number: str | None = None) -> list[BankAccount]:
    def handle(response: requests.Response) -> list[BankAccount]:
        _raise_for_status(response)
        try:
            return [
                BankAccount(
                    id=str(item["id"]),
                    name=_text(item.get("name")),
                    holder_name=_text(item.get("holder_name")),
                    company_number=_text(item.get("company_number")),
                    sort_code=_text(item.get("sort_code")),
                    account_number=_text(item.get("account_number")),
                    currency=_text(item.get("currency")) or "GBP",
                    opened_on=date.fromisoformat(item["opened_on"]) if item.get("opened_on") else None,
                )
                for item in response.json()["accounts"]
            ]
        except (KeyError, TypeError, ValueError) as error:
            raise _bad("an account list") from error

    params = {"company_number": company_number} if company_number else None
    return http.call(
        CLIENT, "list_accounts", "GET", f"{settings.BANK_FEED_BASE_URL}/accounts",
        params=params, headers=_headers(), handle=handle,
    )  # fmt: skip


def list_transactions(account_id: str, *, from_date: date, to_date: date) -> Statement:
    """Transactions booked from ``from_date`` to ``to_date`` inclusive, oldest first."""

    def handle(response: requests.Response) -> Statement:
        _raise_for_status(response)
        try:
            body = response.json()
            lines = [
                BankTransaction(
                    id=str(item["id"]),
                    booking_date=date.fromisoformat(item["booking_date"]),
                    amount=_money(item["amount"]),
                    currency=_text(item.get("currency")) or "GBP",
                    credit_debit=_text(item.get("credit_debit")),
                    description=_text(item.get("description")),
                    counterparty=_text(item.get("counterparty")),
                    running_balance=_optional_money(item.get("running_balance")),
                )
                for item in body["transactions"]
            ]
            return Statement(
                account_id=str(body.get("account_id") or account_id),
                from_date=date.fromisoformat(body.get("from") or from_date.isoformat()),
                to_date=date.fromisoformat(body.get("to") or to_date.isoformat()),
                opening_balance=_money(body["opening_balance"]),
                closing_balance=_money(body["closing_balance"]),
                transactions=lines,
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise _bad("a statement") from error

    return http.call(
        CLIENT,
        "list_transactions",
        "GET",
        f"{settings.BANK_FEED_BASE_URL}/accounts/{quote(account_id, safe='')}/transactions",
        params={"from": from_date.isoformat(), "to": to_date.isoformat()},
        headers=_headers(),
        handle=handle,
    )
