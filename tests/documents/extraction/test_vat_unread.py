"""VAT is never invented as zero: a printed VAT line with a rate and no readable figure leaves VAT unknown."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from apps.documents.extraction.parse import extract_fields
from apps.documents.extraction.text import PageLines

D = Decimal
HEAD = "Hartley Joinery Ltd\nINVOICE\nInvoice Date:  05/03/2026\n"


def read(body: str, confidence: float = 0.95):
    return extract_fields([PageLines(HEAD + body, confidence)], received_on=date(2026, 3, 9))


@pytest.mark.parametrize("unreadable", ["1#.#O", "##.##", "—", "ZO.OO%"])
def test_an_unreadable_vat_figure_is_not_zero(unreadable):
    result = read(f"Gate repairs          £100.00\nVAT @ 20%   {unreadable}\nTotal   £120.00")
    assert result.vat.value is None
    assert result.net.value != result.gross.value
    assert not result.arithmetic_ok
    assert any("could not be read" in w for w in result.warnings)


def test_vat_is_derived_only_when_net_and_gross_agree_with_the_printed_rate():
    agreed = read("Gate repairs   £100.00\nSubtotal   £100.00\nVAT @ 20%   ##.##\nTotal   £120.00")
    assert (agreed.net.value, agreed.vat.value, agreed.gross.value) == (D("100.00"), D("20.00"), D("120.00"))
    assert agreed.vat.confidence < agreed.net.confidence  # derived, not read
    assert any("could not be read" in w for w in agreed.warnings)
    disagreed = read("Gate repairs   £100.00\nSubtotal   £100.00\nVAT @ 20%   ##.##\nTotal   £100.00")
    assert disagreed.vat.value is None and not disagreed.arithmetic_ok


def test_a_vat_figure_with_its_point_misread_is_read():
    result = read("Gate repairs   £100.00\nSubtotal   £100.00\nVAT @ 20%   20:00\nTotal   £120.00")
    assert result.vat.value == D("20.00") and result.arithmetic_ok
    clean = read("Gate repairs   £100.00\nSubtotal   £100.00\nVAT @ 20%   £20.00\nTotal   £120.00")
    assert result.vat.confidence < clean.vat.confidence  # repaired by shape


def test_the_arithmetic_chooses_between_readings_of_a_lost_point():
    pence = read("Paint   £10.42\nSubtotal   £10.42\nVAT @ 20%   2.08\nTotal   1250")
    assert pence.gross.value == D("12.50") and pence.arithmetic_ok
    pounds = read("Scaffold   £1,041.67\nSubtotal   £1,041.67\nVAT @ 20%   208.33\nTotal   1250")
    assert pounds.gross.value == D("1250.00") and pounds.arithmetic_ok


@pytest.mark.parametrize(
    "body",
    [
        "Gate repairs          £120.00\nTotal   £120.00",  # an unregistered trader: no VAT line
        "Books   £120.00\nSubtotal   £120.00\nVAT @ 0%   £0.00\nTotal   £120.00",
        "Books   £120.00\nZero-rated   £120.00\nTotal   £120.00",
        "Insurance premium   £120.00\nVAT exempt\nTotal   £120.00",
    ],
)
def test_zero_rated_exempt_and_unregistered_documents_read_vat_zero(body):
    result = read(body)
    assert result.vat.value == D("0.00") and result.net.value == D("120.00") and result.arithmetic_ok
    assert result.vat.confidence >= 0.75


@pytest.mark.parametrize(
    ("label", "kind"),
    [("Goods", "net"), ("Total ex VAT", "net"), ("Amount before VAT", "net"), ("Tax", "vat"), ("VAT 20.0%", "vat"),
     ("Amount due", "gross"), ("Balance due", "gross"), ("Total inc VAT", "gross"), ("To pay", "gross"),
     ("Change", "skip"), ("Card", "skip")],
)  # fmt: skip
def test_totals_label_vocabulary(label, kind):
    from apps.documents.extraction.totals import classify

    assert classify(label) == kind


def test_an_item_that_lost_its_point_is_taken_in_pence_only_when_the_lines_then_add_up():
    items = "Description       Amount\nGate repairs      1250\nHinges            £4.50\nOrder ref  12345\n"
    fits = read(items + "Subtotal   £17.00\nVAT @ 20%   £3.40\nTotal   £20.40")
    assert [(li.description, li.net) for li in fits.lines] == [("Gate repairs", D("12.50")), ("Hinges", D("4.50"))]
    assert fits.arithmetic_ok
    no_fit = read(items + "Subtotal   £18.00\nVAT @ 20%   £3.60\nTotal   £21.60")
    assert [li.description for li in no_fit.lines] == ["Hinges"] and not no_fit.arithmetic_ok


@pytest.mark.parametrize(
    ("printed", "field", "value"),
    [
        (("£100.00", "£28.00", "£120.00"), "vat", D("20.00")),
        (("£100.00", "£20.00", "£170.00"), "gross", D("120.00")),
        (("£180.00", "£20.00", "£120.00"), "net", D("100.00")),
    ],
)
def test_one_misread_digit_is_corrected_when_both_sums_and_rate_agree(printed, field, value):
    net, vat, gross = printed
    result = read(f"Subtotal   {net}\nVAT @ 20%   {vat}\nTotal   {gross}")
    assert getattr(result, field).value == value and result.arithmetic_ok
    assert getattr(result, field).confidence < 0.8
    assert any("one digit read differently" in w for w in result.warnings)


def test_no_digit_correction_without_a_printed_rate():
    result = read("Subtotal   £100.00\nVAT   £28.00\nTotal   £120.00")
    assert result.vat.value == D("28.00") and not result.arithmetic_ok


def test_a_figure_split_at_a_space_is_joined_when_the_sums_ask_for_it():
    result = read("Paint   £10.42\nSubtotal   £10.42\nVAT @ 20%   2.08\nTotal   1 2.50")
    assert result.gross.value == D("12.50") and result.arithmetic_ok
    assert result.gross.confidence < result.net.confidence
    assert any("printed unclearly" in w for w in result.warnings)


@pytest.mark.parametrize(
    "body",
    [
        "Professional fees         £500.00\nVAT @ 20% on £500.00         £100.00\n"
        "Disbursements   (no VAT)         £45.00\nTotal         £645.00",
        "Fees and taxable items   £500.00\nVAT @ 20%   £100.00\nDisbursements (no VAT)   £45.00\nTotal due   £645.00",
        "Fees   £500.00\nSubtotal   £500.00\nVAT @ 20%   £100.00\nSearch fees - VAT free   £45.00\nTotal due   £645.00",
    ],
)
def test_disbursements_outside_vat_beside_taxable_fees(body):
    result = read(body)
    assert (result.net.value, result.vat.value, result.gross.value) == (D("545.00"), D("100.00"), D("645.00"))
    assert [(b.rate, b.net, b.vat) for b in result.vat_breakdown] == [
        (D(20), D("500.00"), D("100.00")),
        (D(-1), D("45.00"), D("0.00")),
    ]
    assert result.arithmetic_ok


def test_a_garbled_vat_summary_row_or_vat_included_never_becomes_vat_zero():
    till = read("MILK  1.20\nBREAD  1.00\nTOTAL  £2.20\nVAT  RATE  NET  VAT  TOTAL\nA  2O.O%  1.83  O.#7  2.2#")
    assert till.vat.value is None and not till.arithmetic_ok
    included = read("MILK  1.20\nTOTAL inc VAT  £1.20\nCARD  £1.20")
    assert included.vat.value is None and not included.arithmetic_ok


@pytest.mark.parametrize(
    "signal",
    ["VAT SUMMARY", "VAT   RATE   NET   VAT", "A = 20%  Z = 0%"],
)
def test_a_till_that_shows_vat_was_charged_never_reads_vat_zero_when_its_figures_are_unreadable(signal):
    result = read(f"MILK  A  1.20\nBREAD  A  1.00\nTOTAL  £2.20\n{signal}\n#  ##.#%  #.##  #.##")
    assert result.vat.value is None and not result.arithmetic_ok
