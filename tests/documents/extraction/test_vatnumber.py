"""UK VAT numbers: found by label or GB prefix, check digits verified, stored compact without GB."""

from __future__ import annotations

import pytest

from apps.documents.extraction.vatnumber import find_vat_numbers, normalise_vat_number


@pytest.mark.parametrize(
    "line",
    ["VAT Reg No: GB 980 7806 84", "VAT No. GB980780684", "VAT registration number 980 7806 84.", "GB980780684",
     "VAT No:   GB 980   7806 84", "VAT: 980-7806-84", "VAT No: GB 98O 78O6 84"],
)  # fmt: skip
def test_finds_valid_numbers_compact_without_prefix(line):
    (number,) = find_vat_numbers(line)
    assert number.valid and number.compact == "980780684"


def test_branch_numbers_keep_twelve_digits():
    (number,) = find_vat_numbers("VAT Reg No: GB 980 7806 84 002")
    assert number.compact == "980780684002" and number.valid


def test_invalid_check_digits_are_reported_not_fixed():
    (number,) = find_vat_numbers("VAT No: GB 980 7806 85")
    assert not number.valid and number.compact == "980780685"


@pytest.mark.parametrize("line", ["Tel: 01632 960 412", "Account 980780684", "Company No. 098765432"])
def test_unlabelled_digit_runs_are_not_vat_numbers(line):
    assert find_vat_numbers(line) == []


def test_normalise_vat_number():
    assert normalise_vat_number("GB 980 7806 84") == "980780684"
    assert normalise_vat_number("980 7806 85") is None
    assert normalise_vat_number("") is None
