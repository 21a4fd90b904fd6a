"""The bank-feed sandbox. There is no public standard to follow, so this is its contract.

Authentication: header ``X-API-Key: <key>`` where the key is
``apps.integrations.bank_feed.api_key()``. Missing or wrong → 401.

``GET /sandbox/bank/accounts[?company_number=09876543]`` → 200
``{"accounts": [{"id", "name", "holder_name", "company_number", "sort_code",
"account_number", "currency": "GBP", "opened_on"}]}``

``GET /sandbox/bank/accounts/<id>/transactions?from=YYYY-MM-DD&to=YYYY-MM-DD`` → 200
``{"account_id", "from", "to", "opening_balance", "closing_balance",
"transactions": [{"id", "booking_date", "amount", "currency", "credit_debit",
"description", "counterparty", "running_balance"}]}``, oldest first. Amounts are
decimal strings with two places (negative = money out), never floats. Ids are
stable: the same line always has the same id. ``from``/``to`` are inclusive,
both required, ``from <= to``, at most 366 days apart, ``to`` not after today.

Errors: ``{"error": {"code": "...", "message": "..."}}`` with 400
``invalid_date_range``, 401 ``unauthorised``, 404 ``account_not_found``,
429 ``rate_limited``, 500 ``internal_error``, 503 ``service_unavailable``
(the last three only under injected faults).
"""

from __future__ import annotations

import hmac
from datetime import date, timedelta

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from apps.integrations.bank_feed import api_key
from apps.sandbox import bank as synthetic
from apps.sandbox import clock, selectors
from apps.sandbox.responses import BANK_FAULTS, json_response
from apps.sandbox.services.faults import apply_faults

MAX_DAYS = 366


def _error(status: int, code: str, message: str) -> HttpResponse:
    return json_response(status, {"error": {"code": code, "message": message}})


def _guard(request: HttpRequest) -> HttpResponse | None:
    fault = apply_faults("bank")
    if fault:
        return json_response(*BANK_FAULTS[fault])

    given = request.META.get("HTTP_X_API_KEY", "")
    if not given or not hmac.compare_digest(given.encode(), api_key().encode()):
        return _error(401, "unauthorised", "Send a valid API key in the X-API-Key header.")
    return None


def _account_json(account: selectors.Account) -> dict:
    return {
        "id": account.account_id,
        "name": account.name,
        "holder_name": account.holder_name,
        "company_number": account.company_number,
        "sort_code": account.sort_code,
        "account_number": account.account_number,
        "currency": "GBP",
        "opened_on": account.opened_on.isoformat(),
    }


@require_GET
def accounts(request: HttpRequest) -> HttpResponse:
    refused = _guard(request)
    if refused:
        return refused
    company = request.GET.get("company_number")
    items = [a for a in selectors.bank_accounts() if company is None or a.company_number == company]
    return json_response(200, {"accounts": [_account_json(a) for a in items]})


def _parse(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value and len(value) == 10 else None
    except ValueError:
        return None


@require_GET
def transactions(request: HttpRequest, account_id: str) -> HttpResponse:
    refused = _guard(request)
    if refused:
        return refused
    account = selectors.bank_account(account_id)
    if account is None:
        return _error(404, "account_not_found", f"No account {account_id}.")
    from_date, to_date = _parse(request.GET.get("from")), _parse(request.GET.get("to"))
    today = timezone.localdate(clock.now())
    if from_date is None or to_date is None:
        return _error(400, "invalid_date_range", "Send from and to as YYYY-MM-DD.")
    if from_date > to_date or to_date - from_date > timedelta(days=MAX_DAYS - 1) or to_date > today:
        return _error(
            400, "invalid_date_range", f"from must not be after to, at most {MAX_DAYS} days apart, to not after today."
        )
    opening = synthetic.balance_before(account, from_date)
    lines = synthetic.statement(account, from_date, to_date, opening=opening)
    closing = lines[-1]["running_balance"] if lines else f"{opening:.2f}"
    return json_response(
        200,
        {
            "account_id": account.account_id,
            "from": from_date.isoformat(),
            "to": to_date.isoformat(),
            "opening_balance": f"{opening:.2f}",
            "closing_balance": closing,
            "transactions": lines,
        },
    )
