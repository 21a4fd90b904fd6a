"""Request validation of the VAT API, as vat-api's code does it (docs/contracts/hmrc-vat-api.md, Validation).

Pure functions: they return an error (HTTP status + body) or the cleaned
values, and never touch the database.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from apps.sandbox.periods import one_year_before

VRN = re.compile(r"^\d{9}$")
PERIOD_KEY = re.compile(r"^[#0-9A-Z]{4}$")
FINANCIAL_MIN_FROM = date(2016, 4, 6)  # code says 2016-04-06 (the OAS says 2017-12-01)

MONEY_FIELDS = ("vatDueSales", "vatDueAcquisitions", "totalVatDue", "vatReclaimedCurrPeriod")
NET_FIELD = "netVatDue"
WHOLE_FIELDS = (
    "totalValueSalesExVAT",
    "totalValuePurchasesExVAT",
    "totalValueGoodsSuppliedExVAT",
    "totalAcquisitionsExVAT",
)
BOX_FIELDS = (*MONEY_FIELDS, NET_FIELD, *WHOLE_FIELDS)
ALL_FIELDS = ("periodKey", *BOX_FIELDS, "finalised")

MONEY_LIMIT = Decimal("9999999999999.99")
NET_LIMIT = Decimal("99999999999.99")
WHOLE_LIMIT = Decimal("9999999999999")
MSG_MONEY = (
    "amount should be a monetary value (to 2 decimal places), between -9,999,999,999,999.99 and 9,999,999,999,999.99"
)
MSG_NET = "amount should be a monetary value (to 2 decimal places), between 0 and 99,999,999,999.99"
MSG_WHOLE = "The value must be between -9999999999999 and 9999999999999"


@dataclass(frozen=True)
class ApiError:
    status: int
    body: dict


INVALID_REQUEST = {"code": "INVALID_REQUEST", "message": "Invalid request"}


def _item(code: str, message: str, field: str) -> dict:
    return {"code": code, "message": message, "path": f"/{field}"}


def parse_json_body(raw: bytes) -> tuple[object, ApiError | None]:
    """Numbers become Decimal so that scale and equality checks are exact, as with Scala's BigDecimal."""
    try:
        return json.loads(raw.decode("utf-8"), parse_float=Decimal, parse_int=Decimal), None
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None, ApiError(400, dict(INVALID_REQUEST))


def _scale(value: Decimal) -> int:
    return max(0, -value.as_tuple().exponent)


def validate_return(body: object) -> tuple[dict | None, ApiError | None]:
    """Validation levels 3–5: field errors, then cross-field, then the finalised declaration."""
    if not isinstance(body, dict):
        return None, ApiError(400, dict(INVALID_REQUEST))
    errors: list[dict] = []
    for field in ALL_FIELDS:
        value = body.get(field)
        if value is None:
            errors.append(_item("MANDATORY_FIELD_MISSING", "a mandatory field is missing", field))
        elif field == "periodKey":
            if not isinstance(value, str):
                errors.append(_item("INVALID_STRING_VALUE", "please provide a string field", field))
            elif not PERIOD_KEY.match(value):
                errors.append(_item("PERIOD_KEY_INVALID", "period key should be a 4 character string", field))
        elif field == "finalised":
            if not isinstance(value, bool):
                errors.append(_item("UNMAPPED_PLAY_ERROR", "error.expected.jsboolean", field))
        elif not isinstance(value, Decimal):
            # JSON strings ("100.00") are refused: whether HMRC coerces them is UNCONFIRMED,
            # so the simulator takes the stricter reading and makes clients send numbers.
            errors.append(_item("INVALID_NUMERIC_VALUE", "please provide a numeric field", field))
        elif field in MONEY_FIELDS:
            if _scale(value) > 2 or abs(value) > MONEY_LIMIT:
                errors.append(_item("INVALID_MONETARY_AMOUNT", MSG_MONEY, field))
        elif field == NET_FIELD:
            if _scale(value) > 2 or value < 0 or value > NET_LIMIT:
                errors.append(_item("INVALID_MONETARY_AMOUNT", MSG_NET, field))
        elif value != value.to_integral_value() or abs(value) > WHOLE_LIMIT:
            errors.append(_item("INVALID_MONETARY_AMOUNT", MSG_WHOLE, field))
    if errors:
        return None, ApiError(400, {**INVALID_REQUEST, "errors": _dedupe(errors)})
    cross = []
    if body[NET_FIELD] != abs(body["totalVatDue"] - body["vatReclaimedCurrPeriod"]):
        cross.append(
            _item(
                "VAT_NET_VALUE",
                "netVatDue should be the difference between the largest and the smallest values among "
                "totalVatDue and vatReclaimedCurrPeriod",
                NET_FIELD,
            )
        )
    if body["totalVatDue"] != body["vatDueSales"] + body["vatDueAcquisitions"]:
        cross.append(
            _item("VAT_TOTAL_VALUE", "totalVatDue should be equal to vatDueSales + vatDueAcquisitions", "totalVatDue")
        )
    if cross:
        return None, ApiError(400, {**INVALID_REQUEST, "errors": cross})
    if body["finalised"] is not True:
        return None, ApiError(
            403,
            {
                "code": "BUSINESS_ERROR",
                "message": "Business validation error",
                "errors": [
                    _item(
                        "NOT_FINALISED",
                        "The return cannot be accepted without a declaration it is finalised.",
                        "finalised",
                    )
                ],
            },
        )
    return {field: body[field] for field in ALL_FIELDS}, None


def _dedupe(errors: list[dict]) -> list[dict]:
    seen, unique = set(), []
    for error in errors:
        key = (error["code"], error["message"], error["path"])
        if key not in seen:
            seen.add(key)
            unique.append(error)
    return unique


def _legacy(message: str) -> ApiError:
    """The legacy body vat-api's code sends for query-parameter errors."""
    return ApiError(400, {"statusCode": 400, "message": message})


def _date(value: str | None) -> date | None:
    if not value or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


@dataclass(frozen=True)
class ObligationQuery:
    from_date: date | None
    to_date: date | None
    status: str | None


def validate_obligation_params(params) -> tuple[ObligationQuery | None, ApiError | None]:
    """Obligations query checks, in the code's order; first failure wins."""
    raw_from, raw_to, status = params.get("from"), params.get("to"), params.get("status")
    if raw_from is None and raw_to is None:
        if status == "O":
            return ObligationQuery(None, None, "O"), None
        if status == "F":
            return None, _legacy("MISSING_DATE_RANGE")
        if status is not None:
            return None, _legacy("INVALID_STATUS")
        return None, _legacy("INVALID_DATE_FROM")
    if raw_to is None:
        return None, _legacy("INVALID_DATE_TO")
    if raw_from is None:
        return None, _legacy("INVALID_DATE_FROM")
    from_date, to_date = _date(raw_from), _date(raw_to)
    if from_date is None:
        return None, _legacy("INVALID_DATE_FROM")
    if to_date is None:
        return None, _legacy("INVALID_DATE_TO")
    if status is not None and status not in {"O", "F"}:
        return None, _legacy("INVALID_STATUS")
    if from_date >= to_date or one_year_before(to_date) > from_date:
        return None, _legacy("INVALID_DATE_RANGE")
    return ObligationQuery(from_date, to_date, status), None


def validate_financial_params(params, *, today: date) -> tuple[tuple[date, date] | None, ApiError | None]:
    """Liabilities and payments query checks: from, then to, then the range; legacy bodies."""
    from_date, to_date = _date(params.get("from")), _date(params.get("to"))
    if from_date is None or from_date < FINANCIAL_MIN_FROM:
        return None, _legacy("DATE_FROM_INVALID")
    if to_date is None or to_date > today:
        return None, _legacy("DATE_TO_INVALID")
    if from_date >= to_date or to_date > one_year_after(from_date) - timedelta(days=1):
        return None, _legacy("DATE_RANGE_INVALID")
    return (from_date, to_date), None


def one_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)
