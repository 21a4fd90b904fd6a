"""VAT quarters, period keys and due dates of the sandbox's test organisations.

Period keys (docs/contracts/hmrc-vat-api.md, Identifiers; 4 characters ``[#0-9A-Z]``) are ``YY`` (year the
quarter ends) + ``A``/``B``/``C`` (stagger 1/2/3) + the quarter's number in
that year, e.g. ``24A1`` = January–March 2024. Due date: one calendar month and
seven days after the period ends.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

_KEY = re.compile(r"^(\d\d)([ABC])([1-4])$")


@dataclass(frozen=True)
class Period:
    key: str
    start: date
    end: date

    @property
    def due(self) -> date:
        year, month = self.end.year, self.end.month + 2
        if month > 12:
            year, month = year + 1, month - 12
        return date(year, month, 7)


def _end_months(stagger: int) -> list[int]:
    return [m for m in range(1, 13) if m % 3 == (stagger - 1) % 3]


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _period_ending(year: int, month: int, stagger: int) -> Period:
    start_month, start_year = month - 2, year
    if start_month < 1:
        start_month, start_year = start_month + 12, year - 1
    number = _end_months(stagger).index(month) + 1
    key = f"{year % 100:02d}{'ABC'[stagger - 1]}{number}"
    return Period(key, date(start_year, start_month, 1), _month_end(year, month))


def period_containing(day: date, stagger: int) -> Period:
    month, year = day.month + ((stagger - 1 - day.month) % 3), day.year
    if month > 12:
        month, year = month - 12, year + 1
    return _period_ending(year, month, stagger)


def next_period(period: Period, stagger: int) -> Period:
    return period_containing(period.end + timedelta(days=1), stagger)


def periods_between(first_day: date, last_day: date, stagger: int) -> list[Period]:
    """Every quarter from the one containing ``first_day`` to the one containing ``last_day``."""
    periods, period = [], period_containing(first_day, stagger)
    while period.start <= last_day:
        periods.append(period)
        period = next_period(period, stagger)
    return periods


def period_for_key(key: str) -> Period | None:
    match = _KEY.match(key)
    if not match:
        return None
    year = 2000 + int(match.group(1))
    stagger = "ABC".index(match.group(2)) + 1
    month = _end_months(stagger)[int(match.group(3)) - 1]
    return _period_ending(year, month, stagger)


def one_year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)
