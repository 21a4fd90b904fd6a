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


# --- print styles and OCR repair by shape, the check digits as referee (issue #12) ---------------------------

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from stdnum.gb import vat as gb_vat  # noqa: E402

from apps.documents.extraction.vatnumber import is_bare_label  # noqa: E402

LETTER_FOR = {"0": "O", "1": "I", "5": "S", "8": "B", "2": "Z"}


@pytest.mark.parametrize(
    "line",
    ["GB 980 7806 84", "GB980780684", "VAT Reg. No. 980 7806 84", "V.A.T. No: 980 7806 84", "VAT No. GB 980-7806-84",
     "G8 980 7806 84", "VAT: 6B980780684", "VAT Reg No: GB 98O 78O6 84", "VAT No: 980 78O6 84."],
)  # fmt: skip
def test_uk_print_styles_and_prefix_slips(line):
    (number,) = find_vat_numbers(line)
    assert number.valid and number.compact == "980780684"


def test_a_repair_is_marked_and_a_clean_reading_is_not():
    (clean,) = find_vat_numbers("VAT No: GB 980 7806 84")
    (repaired,) = find_vat_numbers("VAT No: GB 98O 7806 84")
    assert not clean.repaired and repaired.repaired and repaired.compact == clean.compact


def test_a_repair_that_fails_the_check_digits_is_not_accepted():
    (number,) = find_vat_numbers("VAT No: GB 98O 7806 85")
    assert not number.valid and not number.repaired


def test_government_and_health_numbers():
    assert [(n.compact, n.valid) for n in find_vat_numbers("VAT Reg No: GBGD001")] == [("GD001", True)]
    assert [(n.compact, n.valid) for n in find_vat_numbers("VAT No: GB HA599")] == [("HA599", True)]


def test_a_value_printed_under_its_label():
    assert is_bare_label("VAT Registration No:") and is_bare_label("V.A.T. Reg. Number")
    assert not is_bare_label("VAT @ 20%") and not is_bare_label("VAT No: 980 7806 84")
    (number,) = find_vat_numbers("980 7806 84", after_label=True)
    assert number.valid
    assert find_vat_numbers("980 7806 84") == []


valid_numbers = st.integers(min_value=1_000_000, max_value=9_999_999).map(
    lambda n: next(f"{n:07d}{c:02d}" for c in range(100) if gb_vat.is_valid(f"{n:07d}{c:02d}"))
)


@given(number=valid_numbers, data=st.data())
def test_any_valid_number_with_one_look_alike_letter_is_repaired_to_itself(number, data):
    positions = [i for i, c in enumerate(number) if c in LETTER_FOR]
    if not positions:
        return
    i = data.draw(st.sampled_from(positions))
    read = number[:i] + LETTER_FOR[number[i]] + number[i + 1 :]
    style = data.draw(st.sampled_from(["VAT No: GB {}", "VAT Reg No: {}", "GB{}"]))
    printed = f"{read[:3]} {read[3:7]} {read[7:]}" if "{} " not in style and "Reg" in style else read
    (found,) = find_vat_numbers(style.format(printed))
    assert (found.compact, found.valid, found.repaired) == (number, True, True)


def test_a_digit_group_that_starts_like_a_prefix_slip_is_digits():
    (number,) = find_vat_numbers("VAT Reg No: 164 6B00 03")  # 6B00 is 6800 with a look-alike, not "GB" + 00
    assert (number.compact, number.valid, number.repaired) == ("164680003", True, True)
