"""Money amounts: the formats invoices print, and the numbers that must not be read as money."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.documents.extraction.money import find_amounts, format_money, parse_amount

D = Decimal


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1,234.56", D("1234.56")),
        ("£1,234.56", D("1234.56")),
        ("1234.56 GBP", D("1234.56")),
        ("GBP 12.00", D("12.00")),
        ("€9.99", D("9.99")),
        ("(12.00)", D("-12.00")),
        ("(£12.00)", D("-12.00")),
        ("-12.00", D("-12.00")),
        ("-£12.00", D("-12.00")),
        ("12.00 CR", D("-12.00")),
        ("£12", D("12.00")),
        ("  £0.50 ", D("0.50")),
        ("£1,000,000.00", D("1000000.00")),
    ],
)
def test_parse_amount_reads_printed_formats(text, value):
    assert parse_amount(text) == value


@pytest.mark.parametrize("text", ["", "12", "abc", "1,234", "12.345", "05/03/2026", "£", "1.2.3", "12.00.00", None])
def test_parse_amount_refuses_what_is_not_one_amount(text):
    assert parse_amount(text) is None


def values(text: str) -> list[str]:
    return [str(a.value) for a in find_amounts(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Subtotal      £131.80", ["131.80"]),
        ("Total credit: -43.26 GBP", ["-43.26"]),
        ("Copier paper   3   £24.50   20%   £73.50", ["24.50", "73.50"]),
        ("Kitchen clean .............£260.00", ["260.00"]),
        ("VAT 20% on £46.50: £9.30", ["46.50", "9.30"]),
        ("A   20.0%   65.28   13.06   78.34", ["65.28", "13.06", "78.34"]),
        ("Net   24,00 GBP", ["24.00"]),  # OCR read the point as a comma
    ],
)
def test_find_amounts_in_lines(text, expected):
    assert values(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Date: 05.03.2026",
        "Time: 10:42",
        "sort code 40-11-22, account 31926819",
        "VAT Reg No: GB 980 7806 84",
        "Tel: 01632 960 412",
        "Invoice BR-2026-00871",
        "Rate 20.00%",
        "Page 1 of 3",
    ],
)
def test_dates_codes_and_references_are_not_money(text):
    assert find_amounts(text) == []


def test_amounts_know_their_currency_and_sign():
    first, second = find_amounts("£12.00 and (€3.50)")
    assert (first.currency, first.negative) == ("GBP", False)
    assert (second.currency, second.negative, second.magnitude) == ("EUR", True, D("3.50"))


def test_a_decimal_comma_is_flagged_as_an_ocr_repair():
    (amount,) = find_amounts("Total 24,00")
    assert amount.ocr_fixed and amount.value == D("24.00")


def test_format_money_for_warnings():
    assert format_money(D("41.2")) == "£41.20"
    assert format_money(D("1234.5"), "EUR") == "€1,234.50"
    assert format_money(D("-3"), "USD") == "-3.00 USD"
    assert format_money(None) == "nothing"


def readings(text: str, *, repair: bool = False) -> list[tuple[str, bool, tuple[str, ...]]]:
    return [
        (str(a.value), a.ocr_fixed, tuple(str(x) for x in a.alternatives)) for a in find_amounts(text, repair=repair)
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Net  12;50", [("12.50", True, ())]),
        ("Net  12'50", [("12.50", True, ())]),
        ("Total  £13:40", [("13.40", True, ())]),  # ":" only after a currency sign outside totals lines
        ("Total  1S.5O", [("15.50", True, ())]),  # S for 5, O for 0
        ("Total  £l2.5O", [("12.50", True, ())]),
        ("Total  S12.50", [("12.50", True, ("512.50",))]),  # £ read as S, or a 5: both kept
        ("Total  $12.50", [("12.50", False, ())]),  # "$" on a UK document: a misread £, no currency
        ("Refund  12.50-", [("-12.50", False, ())]),
        ("Refund  12.50 CR", [("-12.50", False, ())]),
        ("Total  £1 250.00", [("1250.00", False, ())]),
    ],
)
def test_repair_by_shape(text, expected):
    assert readings(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("VAT @ 20%   13:40", [("13.40", True, ())]),
        ("Total   12 50", [("12.50", True, ())]),
        ("Total   1250", [("12.50", True, ("1250.00",))]),  # the point lost: pence, or whole pounds
        ("Total  £12", [("12.00", True, ("0.12",))]),
        ("Total qty  3", []),  # a count, not money
    ],
)
def test_totals_lines_read_what_the_strict_pattern_refuses(text, expected):
    assert readings(text) == [] or "VAT" in text or "Total" in text
    assert readings(text, repair=True) == expected


@pytest.mark.parametrize("text", ["Time: 10:42", "Date 18/03/2026 10:42", "Qty 2  x 3", "Ref SO1234"])
def test_times_and_counts_are_not_repaired_into_money(text):
    assert find_amounts(text) == []
