"""Codes repaired by their shape: look-alikes inside digit runs are digits, prefixes stay letters."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apps.documents.extraction.codes import TO_DIGIT, repair_code


@pytest.mark.parametrize(
    ("read", "meant"),
    [
        ("INV-0O123", "INV-00123"),  # O inside digits
        ("INV00I23", "INV00123"),  # I inside digits, prefix glued to the number
        ("1NV-00123", "INV-00123"),  # a known prefix read with a digit
        ("SI/2O26/OO42", "SI/2026/0042"),  # zero padding read as letters after a separator
        ("$I-1234", "SI-1234"),  # a leading S read as a dollar sign
        ("R-1O2", "R-102"),
        ("12S45", "12545"),
        ("1234O", "12340"),  # a trailing O is never a suffix letter
    ],
)
def test_look_alikes_are_repaired_where_the_shape_says_digit(read, meant):
    repaired = repair_code(read)
    assert (repaired.value, repaired.repaired) == (meant, True)


@pytest.mark.parametrize(
    "code",
    ["INV-00123", "SI/2026/0042", "A12-334", "BOS-5521", "S1234", "10042B", "12AB34", "SOLD", "A12-B34", "X-OLD"],
)
def test_codes_that_read_right_are_left_alone(code):
    assert repair_code(code).value == code and not repair_code(code).repaired


LOOK_ALIKES = {digit: [a for a, d in TO_DIGIT.items() if d == digit and a.isalpha()] for digit in "0125"}


@given(
    prefix=st.sampled_from(["INV-", "SI/2026/", "A12-", "", "PI"]),
    digits=st.text(alphabet="0123456789", min_size=4, max_size=8),
    data=st.data(),
)
def test_any_code_with_one_look_alike_inside_its_digits_is_repaired_to_itself(prefix, digits, data):
    positions = [i for i, c in enumerate(digits[:-1]) if c in LOOK_ALIKES and i > 0]
    if not positions:
        return
    i = data.draw(st.sampled_from(positions))
    slipped = digits[:i] + data.draw(st.sampled_from(LOOK_ALIKES[digits[i]])) + digits[i + 1 :]
    assert repair_code(prefix + slipped).value == prefix + digits


@given(st.text(alphabet="ABCDEFGHJKLMNPQRTUVWXY0123456789-/", min_size=1, max_size=12))  # pragma: allowlist secret
def test_a_repair_only_swaps_look_alikes_never_length_or_other_characters(code):
    repaired = repair_code(code).value
    assert len(repaired) == len(code)
    assert all(a == b or b == TO_DIGIT.get(a) or a.isdigit() for a, b in zip(code, repaired, strict=True))
