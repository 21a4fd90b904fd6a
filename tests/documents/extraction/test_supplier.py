"""The issuer's name: chosen without the customer, confidence from evidence (not a "Ltd"), and reconciled
with the name the business has on record for the VAT number."""

from __future__ import annotations

import pytest

from apps.documents.extraction.parse import extract_fields
from apps.documents.extraction.supplier import slip_of
from apps.documents.extraction.text import PageLines

VAT_LINE = "VAT Reg No: GB 980 7806 84"
KNOWN = {"980780684": "Quillfeather Stationers Ltd"}


def extract(lines: list[str], confidence: float = 1.0, known=None, own_names=()):
    return extract_fields([PageLines("\n".join(lines), confidence)], known_suppliers=known, own_names=own_names)


def bill(name: str, *, footer: str = "", billed: str = "Hollybush Bakery Ltd") -> list[str]:
    lines = [name, "12 Mill Street, Felpersham FE1 2AB", VAT_LINE, "Invoice No: Q-1001", "Date: 05/03/2026",
             "Bill To:", billed, "Description      Amount", "Paper            £10.00", "VAT 20%  £2.00",
             "Total  £12.00"]  # fmt: skip
    return [*lines, footer] if footer else lines


def test_confidence_does_not_depend_on_a_legal_suffix():
    with_suffix = extract(bill("Marlow Finch Ltd")).supplier_name
    without = extract(bill("Marlow Finch Accountancy")).supplier_name
    assert without.value == "Marlow Finch Accountancy"
    assert without.confidence == with_suffix.confidence >= 0.9


def test_a_name_the_document_repeats_is_surer():
    alone = extract(bill("Marlow Finch Accountancy")).supplier_name
    payable = "Cheques payable to Marlow Finch Accountancy"
    footer = extract(bill("Marlow Finch Accountancy", footer=payable)).supplier_name
    domain = extract(bill("Marlow Finch Accountancy", footer="accounts@marlowfinch.example")).supplier_name
    assert footer.confidence > alone.confidence and domain.confidence > alone.confidence


def test_the_billed_party_is_not_taken_for_the_issuer_even_with_a_suffix():
    lines = ["Quillfeather Studio", "Design and print", "Invoice to:  Riverside Deli Ltd", VAT_LINE, "Total  £12.00"]
    assert extract(lines).supplier_name.value == "Quillfeather Studio"


def test_a_from_label_is_the_issuer():
    lines = ["INVOICE", "From: Tinker & Tap Plumbing", "To: Hollybush Bakery Ltd", "Total  £12.00"]
    result = extract(lines)
    assert result.supplier_name.value == "Tinker & Tap Plumbing" and result.supplier_name.confidence == 0.95


@pytest.mark.parametrize(
    ("read", "known", "same"),
    [
        ("Qui1lfeather Stationers", "Quillfeather Stationers Ltd", True),
        ("Quilfeather Stationers", "Quillfeather Stationers Ltd", True),
        ("Brightwater Energy", "Brightwater Joinery Ltd", False),
        ("Brightwater", "Brightwater Energy Ltd", False),
        ("Fernhill Fuels", "Fernhill Fuels Limited", True),
    ],
)
def test_ocr_slips_are_tolerated_but_a_different_word_is_another_business(read, known, same):
    assert slip_of(read, known) is same


def test_the_name_on_record_replaces_an_ocr_slip_and_is_surer():
    read = extract(bill("Quilfeather Stationers"), confidence=0.7)
    known = extract(bill("Quilfeather Stationers"), confidence=0.7, known=KNOWN)
    assert known.supplier_name.value == "Quillfeather Stationers Ltd" and not known.doubts
    assert known.supplier_name.confidence > read.supplier_name.confidence


def test_the_name_on_record_when_nothing_name_like_was_read():
    result = extract(["INVOICE", VAT_LINE, "Total  £12.00"], known=KNOWN)
    assert result.supplier_name.value == "Quillfeather Stationers Ltd"


def test_a_brand_line_with_the_recorded_name_elsewhere_takes_the_recorded_name_without_doubt():
    result = extract(bill("QF Paper Co", footer="Quillfeather Stationers Ltd, registered in England"), known=KNOWN)
    assert result.supplier_name.value == "Quillfeather Stationers Ltd" and not result.doubts


def test_another_business_shown_by_the_text_keeps_the_recorded_name_and_raises_a_doubt():
    lines = bill("Oakfield Print Ltd", footer="Oakfield Print Ltd, registered in England No 01234567")
    result = extract(lines, known=KNOWN)
    assert result.supplier_name.value == "Quillfeather Stationers Ltd"
    assert result.supplier_name.confidence < 0.8
    assert len(result.doubts) == 1 and "Oakfield Print Ltd" in result.doubts[0]


def test_a_weak_different_reading_takes_the_recorded_name_without_doubt():
    result = extract(bill("Fine Papers"), known=KNOWN)
    assert result.supplier_name.value == "Quillfeather Stationers Ltd" and not result.doubts


def test_no_record_for_the_number_changes_nothing():
    assert extract(bill("Marlow Finch Accountancy"), known={"459670743": "Other Ltd"}).supplier_name.value == (
        "Marlow Finch Accountancy"
    )


def test_a_sales_invoice_is_never_reconciled_with_a_supplier_record():
    lines = bill("Hollybush Bakery Ltd", billed="Riverside Deli Ltd")
    result = extract(lines, known=KNOWN, own_names=["Hollybush Bakery Ltd"])
    assert result.supplier_name.value == "Hollybush Bakery Ltd"


def test_a_letter_to_the_business_takes_the_sender_not_the_recipient_block():
    lines = ["Hollybush Bakery Ltd", "4 Bridge Street", "Felpersham FE2 9XY", "Ostler & Vane Chartered Surveyors",
             VAT_LINE, "Dear Sirs,", "Fees  £500.00", "VAT @ 20%  £100.00", "Total due  £600.00"]  # fmt: skip
    own = {"own_names": ["Hollybush Bakery Ltd"], "own_vat_numbers": ["459670743"]}
    result = extract_fields([PageLines("\n".join(lines), 1.0)], **own)
    assert result.supplier_name.value == "Ostler & Vane Chartered Surveyors"
    assert result.supplier_name.confidence == 0.8  # not the first line: less sure


def test_our_own_sales_invoice_keeps_our_name_as_issuer():
    lines = ["Hollybush Bakery Ltd", "VAT Reg No: GB 459 6707 43", "Invoice to: Riverside Deli Ltd",
             "Riverside Deli Ltd", "Invoice No: HB-7", "Total  £12.00"]  # fmt: skip
    result = extract_fields(
        [PageLines("\n".join(lines), 1.0)], own_names=["Hollybush Bakery Ltd"], own_vat_numbers=["459670743"]
    )
    assert result.supplier_name.value == "Hollybush Bakery Ltd"


@pytest.mark.parametrize(
    ("segment", "address"),
    [("4 Bridge Street", True), ("Unit 4, Canal Wharf", True), ("Felpersham FE2 9XY", True),
     ("Thimble Lane Market Stall", False), ("Penny Lane Cafe", False), ("Marlow Finch Accountancy", False)],
)  # fmt: skip
def test_address_lines_are_told_from_names(segment, address):
    from apps.documents.extraction.supplier import is_address

    assert is_address(segment) is address
