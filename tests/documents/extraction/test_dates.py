"""Dates as UK documents print them: day first, always."""

from __future__ import annotations

from datetime import date

import pytest

from apps.documents.extraction.dates import find_dates, parse_date

MARCH_5 = date(2026, 3, 5)


@pytest.mark.parametrize(
    "text",
    ["05/03/2026", "5/3/2026", "5/3/26", "05-03-2026", "05.03.2026", "2026-03-05", "5 March 2026", "5th March 2026",
     "05-Mar-2026", "5 Mar 2026", "5-mar-26", "March 5, 2026", " 05/03/2026 "],
)  # fmt: skip
def test_uk_formats(text):
    assert parse_date(text) == MARCH_5


def test_day_first_always():
    assert parse_date("03/04/2026") == date(2026, 4, 3)
    assert parse_date("12/01/2026") == date(2026, 1, 12)


@pytest.mark.parametrize(
    "text", ["31/02/2026", "32/01/2026", "05/13/2026", "2026-13-01", "March 2026", "", "05/03/1850"]
)
def test_impossible_or_partial_dates_are_refused(text):
    assert parse_date(text) is None


def test_find_dates_in_a_line_and_not_in_references():
    found = find_dates("Billing Period: 01/01/2026 to 31/01/2026")
    assert [f.value for f in found] == [date(2026, 1, 1), date(2026, 1, 31)]
    assert find_dates("Invoice HB-2026-0142, sort code 40-11-22") == []
    assert find_dates("Date: 18/03/2026   Time: 10:42")[0].value == date(2026, 3, 18)
