"""Gov-Test-Scenario values the sandbox understands, per endpoint (docs/contracts/hmrc-vat-api.md, Sandbox scenarios).

Canned obligation, liability and payment bodies reproduce what third-party
tests observed from HMRC's sandbox. Where HMRC's exact body
is UNCONFIRMED (``*_OBS_*``, ``MULTIPLE_OPEN_*``, ``OBS_SPANS_MULTIPLE_YEARS``,
the tax periods of ``MULTIPLE_LIABILITIES``) the data below is synthetic but
of the documented shape. Any other value is refused with 400
RULE_INCORRECT_GOV_TEST_SCENARIO, so a typo in a test never passes silently.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from apps.sandbox.periods import _month_end

INSOLVENT = (
    403,
    {"code": "RULE_INSOLVENT_TRADER", "message": "The remote endpoint has indicated that the Trader is insolvent"},
)
NOT_FOUND = (404, {"code": "NOT_FOUND", "message": "The remote endpoint has indicated that no data can be found"})
INCORRECT_SCENARIO = (
    400,
    {"code": "RULE_INCORRECT_GOV_TEST_SCENARIO", "message": "The Gov-Test-Scenario was not found"},
)


def _obligation(key: str, start: date, end: date, fulfilled: bool) -> dict:
    due = date(end.year + (end.month + 2 > 12), (end.month + 1) % 12 + 1, 7)
    item = {"periodKey": key, "start": start.isoformat(), "end": end.isoformat(), "due": due.isoformat()}
    item["status"] = "F" if fulfilled else "O"
    if fulfilled:
        item["received"] = (due - timedelta(days=1)).isoformat()
    return item


def _quarters(year: int, keys: list[str]) -> list[tuple[str, date, date]]:
    return [(k, date(year, 3 * i + 1, 1), _month_end(year, 3 * i + 3)) for i, k in enumerate(keys)]


def _months(year: int, keys: list[str]) -> list[tuple[str, date, date]]:
    return [(k, date(year, i + 1, 1), _month_end(year, i + 1)) for i, k in enumerate(keys)]


Q2017 = _quarters(2017, ["18A1", "18A2", "18A3", "18A4"])
M2017 = _months(2017, ["18AD", "18AE", "18AF", "18AG"])
Q2018 = _quarters(2018, ["19A1", "19A2", "19A3", "19A4"])  # synthetic keys
M2018 = _months(2018, [f"19M{c}" for c in "123456789ABC"])  # synthetic keys


def _met(periods, met: int, *, open_after: int = 1) -> list[dict]:
    """The first ``met`` periods fulfilled, then ``open_after`` open ones (all of them if fewer remain)."""
    chosen = periods[: met + open_after]
    return [_obligation(k, s, e, i < met) for i, (k, s, e) in enumerate(chosen)]


def _obligation_scenarios() -> dict[str, tuple[int, dict]]:
    out: dict[str, tuple[int, dict]] = {"INSOLVENT_TRADER": INSOLVENT, "NOT_FOUND": NOT_FOUND}
    for n, word in enumerate(["NONE", "ONE", "TWO", "THREE", "FOUR"]):
        out[f"QUARTERLY_{word}_MET"] = (200, {"obligations": _met(Q2017, n, open_after=1 if n < 4 else 0)})
        if n < 4:
            out[f"MONTHLY_{word}_MET"] = (200, {"obligations": _met(M2017, n)})
    for n in range(1, 5):
        out[f"QUARTERLY_OBS_{n:02d}_OPEN"] = (200, {"obligations": _met(Q2018, n - 1)})
    out["QUARTERLY_OBS_04_FULFILLED"] = (200, {"obligations": _met(Q2018, 4, open_after=0)})
    for n in range(1, 13):
        out[f"MONTHLY_OBS_{n:02d}_OPEN"] = (200, {"obligations": _met(M2018, n - 1)})
    out["MONTHLY_OBS_12_FULFILLED"] = (200, {"obligations": _met(M2018, 12, open_after=0)})
    out["MULTIPLE_OPEN_QUARTERLY"] = (200, {"obligations": _met(Q2018, 1, open_after=2)})
    out["MULTIPLE_OPEN_MONTHLY"] = (200, {"obligations": _met(M2018, 1, open_after=2)})
    out["OBS_SPANS_MULTIPLE_YEARS"] = (
        200,
        {"obligations": [_obligation("#001", date(2018, 4, 1), date(2019, 3, 31), False)]},
    )
    return out


OBLIGATIONS = _obligation_scenarios()

_BUSINESS = {"code": "BUSINESS_ERROR", "message": "Business validation error"}
SUBMIT = {
    "INVALID_VRN": (400, {"code": "VRN_INVALID", "message": "The provided VRN is invalid"}),
    "INVALID_PERIODKEY": (400, {"code": "PERIOD_KEY_INVALID", "message": "Invalid period key"}),
    "INVALID_PAYLOAD": (400, {"code": "INVALID_REQUEST", "message": "Invalid request"}),
    "DUPLICATE_SUBMISSION": (
        403,
        {
            **_BUSINESS,
            "errors": [
                {
                    "code": "DUPLICATE_SUBMISSION",
                    "message": "The VAT return was already submitted for the given period.",
                }
            ],
        },
    ),
    "TAX_PERIOD_NOT_ENDED": (
        403,
        {
            "code": "TAX_PERIOD_NOT_ENDED",
            "message": "The remote endpoint has indicated that the submission is for a tax period that has not ended",
        },
    ),
    "INSOLVENT_TRADER": INSOLVENT,
}
DUPLICATE = SUBMIT["DUPLICATE_SUBMISSION"]
PERIOD_NOT_ENDED = SUBMIT["TAX_PERIOD_NOT_ENDED"]

VIEW = {
    "DATE_RANGE_TOO_LARGE": (
        403,
        {
            **_BUSINESS,
            "errors": [
                {
                    "code": "DATE_RANGE_TOO_LARGE",
                    "message": "The date of the requested return cannot be further than four years from the "
                    "current date.",
                }
            ],
        },
    ),
    "INSOLVENT_TRADER": INSOLVENT,
}


def _liability(start: str, end: str, kind: str, original: str, outstanding: str, due: str) -> dict:
    return {
        "taxPeriod": {"from": start, "to": end},
        "type": kind,
        "originalAmount": Decimal(original),
        "outstandingAmount": Decimal(outstanding),
        "due": due,
    }


def _multiple_liabilities(year: int) -> list[dict]:
    y = str(year)
    return [
        _liability(f"{y}-04-01", f"{y}-04-30", "VAT Return Debit Charge", "463872", "463872", f"{y}-05-12"),
        _liability(f"{y}-04-01", f"{y}-05-31", "VAT Return Debit Charge", "15", "0", f"{y}-06-09"),
        _liability(f"{y}-08-01", f"{y}-08-31", "VAT CA Charge", "8493.38", "7493.38", f"{y}-10-07"),
        _liability(f"{y}-10-01", f"{y}-12-01", "VAT OA Debit Charge", "3000", "2845", f"{y}-12-31"),
    ]


def _payments(rows: list[tuple[str, str | None]]) -> list[dict]:
    return [{"amount": Decimal(a), **({"received": r} if r else {})} for a, r in rows]


# name -> (the date range the data answers for, body); a request whose range misses it gets 404.
LIABILITIES: dict[str, tuple[tuple[date, date], dict]] = {
    "SINGLE_LIABILITY": (
        (date(2017, 1, 2), date(2017, 2, 2)),
        {
            "liabilities": [
                _liability("2017-01-01", "2017-02-01", "VAT Return Debit Charge", "463872", "463872", "2017-03-08")
            ]
        },
    ),
    "MULTIPLE_LIABILITIES": ((date(2017, 4, 5), date(2017, 12, 21)), {"liabilities": _multiple_liabilities(2017)}),
    "SINGLE_LIABILITY_2018_19": (
        (date(2018, 1, 2), date(2018, 2, 2)),
        {
            "liabilities": [
                _liability("2018-01-01", "2018-02-01", "VAT Return Debit Charge", "463872", "463872", "2018-03-08")
            ]
        },
    ),
    "MULTIPLE_LIABILITIES_2018_19": (
        (date(2018, 4, 5), date(2018, 12, 21)),
        {"liabilities": _multiple_liabilities(2018)},
    ),
}
_MULTIPLE_PAYMENTS = [
    ("5", "-02-11"),
    ("50", "-03-11"),
    ("1000", "-03-12"),
    ("321", "-08-05"),
    ("91", None),
    ("5", "-09-12"),
]
PAYMENTS: dict[str, tuple[tuple[date, date], dict]] = {
    "SINGLE_PAYMENT": ((date(2017, 1, 2), date(2017, 2, 2)), {"payments": _payments([("1534.65", "2017-02-12")])}),
    "MULTIPLE_PAYMENTS": (
        (date(2017, 2, 27), date(2017, 12, 21)),
        {"payments": _payments([(a, f"2017{r}" if r else None) for a, r in _MULTIPLE_PAYMENTS])},
    ),
    "SINGLE_PAYMENT_2018_19": (
        (date(2018, 1, 2), date(2018, 2, 2)),
        {"payments": _payments([("1534.65", "2018-02-12")])},
    ),
    "MULTIPLE_PAYMENTS_2018_19": (
        (date(2018, 2, 27), date(2018, 12, 21)),
        {"payments": _payments([(a, f"2018{r}" if r else None) for a, r in _MULTIPLE_PAYMENTS])},
    ),
}
FINANCIAL_ERRORS = {"INSOLVENT_TRADER": INSOLVENT}
