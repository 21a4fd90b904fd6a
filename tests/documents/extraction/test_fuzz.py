"""Hypothesis: random text never crashes the parsers, and printed values read back exactly."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.documents.extraction.dates import find_dates, parse_date
from apps.documents.extraction.money import find_amounts, parse_amount
from apps.documents.extraction.parse import extract_fields
from apps.documents.extraction.text import PageLines
from apps.documents.extraction.vatnumber import find_vat_numbers
from apps.ledger.extraction import Extraction

# text that looks a little like a document: words, numbers, money and date punctuation, newlines and gaps
CHARACTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:;/-()£€%@&x\n"
PIECES = ["  ", "   ", "VAT ", "Total ", "Net ", "GB ", "20%", "£1,234.56", "(12.00)", "05/03/2026", "Invoice No: ",
          "Date: ", "Bill To:\n", "Ltd", " E", " Z", "\u00a0", "\x0c", "é", "−"]  # fmt: skip
ALPHABET = st.sampled_from([*CHARACTERS, *PIECES])
DOCUMENT_TEXT = st.lists(ALPHABET, max_size=400).map("".join)
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.text(max_size=200))
def test_money_and_date_parsers_never_raise_on_any_text(text):
    parse_amount(text)
    parse_date(text)
    find_amounts(text)
    find_dates(text)
    find_vat_numbers(text)


@FUZZ
@given(DOCUMENT_TEXT, st.floats(0, 1), st.lists(st.text(max_size=30), max_size=3))
def test_extract_fields_never_raises_and_returns_a_valid_extraction(text, confidence, own_names):
    result = extract_fields([PageLines(text, confidence)], own_names=own_names)
    assert isinstance(result, Extraction)
    data = result.to_json()
    for name in Extraction.SCALAR_FIELDS:
        assert 0.0 <= data[name]["confidence"] <= 1.0
    for value in (result.net.value, result.vat.value, result.gross.value):
        assert value is None or (value >= 0 and value == value.quantize(Decimal("0.01")))
    Extraction.from_json(data)  # round-trips through the contract


@FUZZ
@given(st.text(max_size=300), st.text(max_size=300))
def test_extract_fields_survives_any_unicode_over_two_pages(first, second):
    extract_fields([PageLines(first, 0.5), PageLines(second, 0.9)])


@FUZZ
@given(st.decimals(min_value=Decimal("0.00"), max_value=Decimal("9999999.99"), places=2), st.booleans(),
       st.sampled_from(["£{:,.2f}", "{:,.2f}", "{:.2f} GBP", "({:,.2f})", "-£{:,.2f}", "£{:.2f}"]))  # fmt: skip
def test_printed_amounts_read_back_exactly(value, in_a_line, pattern):
    printed = pattern.format(value)
    negative = printed.startswith(("(", "-"))
    expected = -value if negative and value else value
    assert parse_amount(printed) == expected
    if in_a_line:
        found = find_amounts(f"Total due   {printed}   ")
        assert [a.value for a in found] == [expected]


@FUZZ
@given(
    st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31)),
    st.sampled_from(["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%d %B %Y", "%d-%b-%Y", "%d %b %Y"]),
)
def test_printed_dates_read_back_exactly(value, pattern):
    printed = value.strftime(pattern)
    assert parse_date(printed) == value
    assert [f.value for f in find_dates(f"Invoice date: {printed} ")] == [value]
