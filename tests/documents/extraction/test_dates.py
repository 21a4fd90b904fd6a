"""Dates as UK documents print them: day first, always."""

from __future__ import annotations

from datetime import date

import pytest

from apps.documents.extraction.dates import digit_alternatives, find_dates, parse_date, plausible

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


@pytest.mark.parametrize(
    "text",
    ["5.3.2026", "05.03.26", "5th Mar. 2026", "05-Mar-26", "Thu, 5 March 2026", "5 Mar, 2026", "5. Mar 2026",
     "05.Mar.2026", "Mar. 5th, 2026", "5 Mar '26", "2026/03/05", "O5/O3/2O26", "05 / 03 / 2026", "5 - 3 - 26",
     "5th of March 2026"],
)  # fmt: skip
def test_more_uk_styles_and_ocr_slips(text):
    assert parse_date(text) == MARCH_5


def test_letters_read_as_digits_are_flagged_and_not_taken_from_words():
    (found,) = find_dates("Date: O5/O3/2O26")
    assert found.value == MARCH_5 and found.ocr_fixed
    assert find_dates("lO-Il-OO and Oct-Ol") == []


def test_plausible_against_the_received_date():
    assert plausible(MARCH_5, date(2026, 3, 5)) and plausible(MARCH_5, date(2026, 3, 3))
    assert not plausible(MARCH_5, date(2026, 3, 1))  # issued four days after it arrived
    assert not plausible(date(2023, 3, 5), date(2026, 3, 9))
    assert plausible(date(2019, 1, 1), None)


def test_digit_alternatives_are_one_confusion_away():
    (found,) = find_dates("18/03/2028")
    alternatives = digit_alternatives(found)
    assert date(2026, 3, 18) in alternatives and date(2028, 3, 18) not in alternatives
    assert all(d.year in (2028, 2020, 2023, 2026, 2029, 2078) for d in alternatives)


def test_an_impossible_print_with_a_four_digit_year_keeps_its_readings_but_is_not_parsed():
    (found,) = find_dates("38/03/2026")
    assert found.readings == (date(2026, 3, 30),) and found.value == date(2026, 3, 30)
    assert parse_date("38/03/2026") is None
    assert find_dates("40-11-22") == []
