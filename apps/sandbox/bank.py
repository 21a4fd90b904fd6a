"""Deterministic synthetic bank lines for the bank-feed sandbox.

Each day's lines are drawn from ``random.Random("<account id>:<date>")``, so the
same account and day always give the same lines, in any process, without
storing them. Counterparties are invented. Amounts are Decimal pence-exact.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from apps.sandbox.selectors import Account

# (description, counterparty, min pounds, max pounds) — all fictitious.
_PROFILES: dict[str, dict[str, list[tuple[str, str, int, int]]]] = {
    "joinery": {
        "credits": [
            ("Faster payment INV-{n}", "Harlow Street Lettings Ltd", 350, 4200),
            ("Faster payment INV-{n}", "Mrs P Okafor", 120, 1800),
            ("BACS INV-{n}", "Cotswold Kitchens Co", 600, 6500),
            ("Card settlement", "Merchant services", 40, 900),
        ],
        "debits": [
            ("Card payment", "Timberline Supplies Ltd", 45, 1400),
            ("Card payment", "Northgate Fuel", 30, 120),
            ("Direct debit", "Stroud Tool Hire", 25, 260),
            ("Card payment", "Fixings Direct Ltd", 12, 300),
            ("Card payment", "Café Aurora", 4, 25),
        ],
        "monthly": [
            (1, "Standing order RENT", "Millrace Yard Estates", -1250),
            (15, "Direct debit", "Greenline Energy", -186),
            (28, "Direct debit", "Brightline Mobile", -42),
        ],
    },
    "bakery": {
        "credits": [
            ("Card settlement", "Merchant services", 150, 1100),
            ("BACS INV-{n}", "Tay Valley Delicatessen", 80, 700),
        ],
        "debits": [
            ("Card payment", "Highland Flour Mills", 60, 900),
            ("Card payment", "Perth Dairy Co-operative", 20, 240),
            ("Card payment", "Packaging Plus", 15, 180),
        ],
        "monthly": [
            (1, "Standing order RENT", "Thistle Row Properties", -950),
            (20, "Direct debit", "Greenline Energy", -312),
        ],
    },
}


@dataclass(frozen=True)
class BankLine:
    id: str
    booking_date: date
    amount: Decimal  # negative: money out
    description: str
    counterparty: str

    def as_json(self, balance: Decimal) -> dict:
        return {
            "id": self.id,
            "booking_date": self.booking_date.isoformat(),
            "amount": f"{self.amount:.2f}",
            "currency": "GBP",
            "credit_debit": "credit" if self.amount > 0 else "debit",
            "description": self.description,
            "counterparty": self.counterparty,
            "running_balance": f"{balance:.2f}",
        }


def _amount(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)) / 100


def lines_for_day(account: Account, day: date) -> list[BankLine]:
    if day < account.opened_on:
        return []
    profile = _PROFILES.get(account.profile, _PROFILES["joinery"])
    rng = random.Random(f"{account.account_id}:{day.isoformat()}")  # noqa: S311  (synthetic data, not secrets)
    drawn: list[tuple[str, str, Decimal]] = []
    for day_of_month, text, who, pounds in profile["monthly"]:
        if day.day == day_of_month:
            drawn.append((text, who, Decimal(pounds)))
    if day.weekday() < 5:
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            text, who, low, high = rng.choice(profile["debits"])
            drawn.append((text, who, -_amount(rng, low, high)))
        if rng.random() < 0.45:
            text, who, low, high = rng.choice(profile["credits"])
            drawn.append((text.format(n=rng.randint(1000, 9999)), who, _amount(rng, low, high)))
    return [
        BankLine(f"{account.account_id}-{day:%Y%m%d}-{i}", day, amount, text, who)
        for i, (text, who, amount) in enumerate(drawn)
    ]


def balance_before(account: Account, day: date) -> Decimal:
    balance, current = account.opening_balance, account.opened_on
    while current < day:
        balance += sum((line.amount for line in lines_for_day(account, current)), Decimal("0"))
        current += timedelta(days=1)
    return balance


def statement(account: Account, from_date: date, to_date: date, *, opening: Decimal | None = None) -> list[dict]:
    """Lines booked from ``from_date`` to ``to_date`` inclusive, oldest first, with running balances."""
    balance = balance_before(account, from_date) if opening is None else opening
    out, day = [], from_date
    while day <= to_date:
        for line in lines_for_day(account, day):
            balance += line.amount
            out.append(line.as_json(balance))
        day += timedelta(days=1)
    return out
