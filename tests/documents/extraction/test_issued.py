"""The issue date: chosen by its label among a document's dates, checked against the day it was received."""

from __future__ import annotations

from datetime import date

import pytest

from apps.documents.extraction.issued import issue_date
from apps.documents.extraction.text import PageLines, build_lines

MARCH_5 = date(2026, 3, 5)


def read(text: str, received_on: date | None = date(2026, 3, 9)):
    return issue_date(build_lines([PageLines(text, 0.95)]), received_on=received_on)


@pytest.mark.parametrize(
    "label",
    ["Date", "Invoice date", "Tax point", "Date of supply", "Issued", "Date of issue", "Invoice/Tax point date"],
)
def test_issue_date_labels(label):
    value, warnings = read(f"Hartley Joinery Ltd\nDue date: 04/04/2026\n{label}: 05/03/2026\nTotal  £12.00")
    assert value.value == MARCH_5 and warnings == []


@pytest.mark.parametrize(
    "other",
    ["Due date", "Payment due", "Delivery date", "Order date", "Despatch date", "Period", "Date of delivery"],
)
def test_other_dates_are_never_the_issue_date(other):
    value, _ = read(f"{other}: 01/03/2026\nInvoice date: 05/03/2026")
    assert value.value == MARCH_5


def test_an_issue_label_beats_a_plain_date_and_a_period():
    text = "Billing period 01/02/2026 to 28/02/2026\nDate: 02/03/2026\nTax point: 05/03/2026"
    assert read(text)[0].value == MARCH_5


def test_label_above_the_value():
    text = "Invoice No      Invoice Date      Account\nBOS-5521        Thu, 5 March 2026      HB01"
    assert read(text)[0].value == MARCH_5


def test_a_misread_year_is_reread_with_lower_confidence_and_a_warning():
    clean, _ = read("Invoice date: 05/03/2026")
    value, warnings = read("Invoice date: 05/03/2028")
    assert value.value == MARCH_5
    assert value.confidence < clean.confidence * 0.7
    assert "05 Mar 2028" in warnings[0] and "received" in warnings[0]


def test_a_misread_day_in_the_future_is_reread():
    value, warnings = read("Invoice date: 08/03/2026", received_on=date(2026, 3, 5))  # 5 read as 8? no: 8 -> 3/6/0/9
    assert value.value in (date(2026, 3, 3), date(2026, 3, 5), date(2026, 3, 6)) or value.confidence < 0.5
    assert warnings


def test_an_implausible_date_with_no_plausible_reading_is_kept_with_low_confidence():
    value, warnings = read("Invoice date: 05/03/2019")
    assert value.value == date(2019, 3, 5)
    assert value.confidence < 0.35
    assert "long before" in warnings[0]


def test_a_date_a_day_after_receipt_is_fine_and_no_received_date_means_no_check():
    assert read("Date: 06/03/2026", received_on=MARCH_5) == read("Date: 06/03/2026", received_on=None)
    assert read("Date: 05/03/2019", received_on=None)[1] == []


def test_ocr_letters_for_digits_lower_the_confidence():
    clean, _ = read("Date: 05/03/2026")
    slipped, _ = read("Date: O5/O3/2O26")
    assert slipped.value == MARCH_5 and slipped.confidence < clean.confidence


def test_a_misread_day_that_makes_no_date_is_reread_and_flagged():
    value, warnings = read("Invoice date: 38/03/2026", received_on=date(2026, 3, 31))
    assert value.value == date(2026, 3, 30) and value.confidence < 0.6
    assert "not a valid date" in warnings[0]


def test_a_sort_code_is_never_reread_into_a_date():
    assert read("Sort code: 40-11-22")[0].value is None
