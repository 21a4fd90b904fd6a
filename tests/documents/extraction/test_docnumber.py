"""Document numbers: a ranked label vocabulary, a split that never cuts a prefix, confidence that says how."""

from __future__ import annotations

import pytest

from apps.documents.extraction.docnumber import document_number
from apps.documents.extraction.parse import extract_fields
from apps.documents.extraction.text import PageLines, build_lines


def number(text: str, confidence: float = 1.0, credit_note: bool = False):
    return document_number(build_lines([PageLines(text, confidence)]), credit_note=credit_note)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Invoice No: INV-00123", "INV-00123"),
        ("No. INV00123", "INV00123"),  # the prefix inside the number is not a label
        ("Ref: INV0042", "INV0042"),
        ("Inv INV-00123", "INV-00123"),
        ("Inv. no. A12-334", "A12-334"),
        ("Invoice number SI/2026/0042", "SI/2026/0042"),
        ("Invoice No.123", "123"),
        ("Invoice#123", "123"),
        ("INVOICE  INV-0042", "INV-0042"),
        ("Tax Invoice 12345", "12345"),
        ("Invoice: No 12345", "12345"),
        ("Invoice No: INV 00123", "INV 00123"),
        ("Receipt No: R-4471", "R-4471"),
        ("Document no. D/2026/0007", "D/2026/0007"),
        ("Trans: 004512", "004512"),
        ("Transaction # 88-1102", "88-1102"),
        ("Folio 88213", "88213"),
        ("Bill no: KM-2026-03", "KM-2026-03"),
        ("Our ref: A12-334\nYour ref: PO-9981", "A12-334"),
        ("Invoice No:\nINV-0042", "INV-0042"),  # the value under its label
        ("Invoice No.    Date\nINV-0042    01/02/2026", "INV-0042"),
    ],
)
def test_label_vocabulary_and_the_split_keep_the_whole_number(text, expected):
    assert number(text).value == expected


@pytest.mark.parametrize(
    "text",
    [
        "Your ref: PO-9981",
        "Customer ref: C-0042",
        "Account No: 12345678",
        "VAT Reg No: 980780684",
        "Company No 0123456",
        "Tel No: 01632 960412",
        "PO number: 4500012",
        "Invoice Date: 01/02/2026",
        "Original invoice: INV-0041",
    ],
)
def test_someone_elses_reference_is_never_the_document_number(text):
    assert number(text).value is None


def test_the_invoice_number_wins_over_references_and_an_order_number_is_only_a_fallback():
    assert number("Order No: 5521\nRef: R-88\nInvoice No: INV-7").value == "INV-7"
    assert number("Order No: 5521\nRef: R-88").value == "R-88"
    assert number("Order No: 5521").value == "5521"


def test_a_credit_notes_own_number_beats_the_invoice_it_refers_to():
    text = "Credit Note No: CN-0042   Against invoice: INV-0041"
    assert number(text, credit_note=True).value == "CN-0042"
    assert number("Invoice No: INV-0041\nCredit note: CN-0042", credit_note=True).value == "CN-0042"


def test_confidence_is_lower_for_a_weak_label_a_fallback_and_a_repair():
    strong, reference, bare = number("Invoice No: 4471"), number("Ref: 4471"), number("No. 4471")
    order, repaired = number("Order No: 4471"), number("Invoice No: 44O71")
    assert repaired.value == "44071"
    assert strong.confidence > reference.confidence > bare.confidence > order.confidence
    assert repaired.confidence < strong.confidence


def test_ocr_confidence_of_the_words_carries_through():
    assert number("Invoice No: INV-7", confidence=0.8).confidence == pytest.approx(0.95 * 0.8, abs=0.001)


def test_extraction_uses_the_vocabulary():
    text = "Copper Kettle Cafe\nVAT No: GB 980 7806 84\nRef: INV0042\nTotal  £4.80"
    assert extract_fields([PageLines(text, 1.0)]).document_number.value == "INV0042"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Invoice NumberPX3D5292", "PX3D5292"),  # the number word glued to the value; D stays a letter
        ("Invoice No.4471", "4471"),
        ("Invoice No: $1/108088", "SI/108088"),  # a short prefix before "/" read back as letters
        ("Invoice No: 5I/449362", "SI/449362"),
        # a box row whose empty box prints nothing: the value is the one under its own label
        ("Account No    Your Order No    Our Ref     Tax Point     Invoice No\n"
         "BR-1001                        BR/9003     01/03/2026    SI/449362", "SI/449362"),
        # the issuer's own words for its number ("Our invoice no.") in a box row beside "Our Ref"
        ("Account No     Your Order No     Our Ref     Dated     Our invoice no.\n"
         "KT201          PO 5521           KT/7781     5th March 2026     SI/512204", "SI/512204"),
    ],
)  # fmt: skip
def test_glued_labels_misread_prefixes_and_box_rows(text, expected):
    assert number(text).value == expected


@pytest.mark.parametrize("text", ["Credit Note No: GBP 10.74", "Ref: 312.58", "Invoice No: 1,234.50"])
def test_an_amount_is_never_a_document_number(text):
    assert number(text, credit_note=True).value is None


def test_a_value_under_another_label_is_not_taken():
    assert number("Account No   Invoice No\n   A-1").value is None


@pytest.mark.parametrize(
    "lines",
    [["Nightowl Noodle Bar", "Table 12   Covers: 2", "Check # 4471", "Ramen   £12.00", "Total   £12.00"],
     ["The Brass Lantern", "BILL", "Server: Ana", "Service charge 12.5%   £1.50", "Total   £13.50"]],
)  # fmt: skip
def test_a_restaurant_bill_is_a_receipt(lines):
    from apps.ledger.extraction import DocumentKind

    assert extract_fields([PageLines("\n".join(lines), 1.0)]).kind.value == DocumentKind.RECEIPT


@pytest.mark.parametrize(
    "text",
    [
        # a box row whose invoice-number box was read without its value (lost to OCR, or read out of order),
        # and an in-line reference elsewhere: that reference may be someone else's, so it is not confident
        "Account No    Our Ref     Invoice No\nKT-2231\nOur Ref: KT/7781",
        "Invoice No:\nRef: KT/7781",
    ],
)
def test_a_weaker_label_s_value_is_doubtful_when_a_stronger_label_has_none(text):
    found = number(text)
    assert found.value == "KT/7781"
    assert found.confidence < 0.5  # below any review threshold: a person confirms it


@pytest.mark.parametrize(
    "text",
    [
        "RECEIPT\nTrans: 100234",  # a title, not a label waiting for its value
        "RECEIPT     05/03/2026\nTrans: 100234",
        "Ref: KT/7781",
    ],
)
def test_a_title_or_a_lone_reference_keeps_its_confidence(text):
    found = number(text)
    assert found.value in {"100234", "KT/7781"} and found.confidence >= 0.8


def test_a_number_read_twice_under_the_same_label_is_surer_than_once():
    once = number("Invoice No:   SS-0915", confidence=0.6)
    twice = number("Invoice No:   SS-0915\nTotal   £10.00\nInvoice No:   SS-0915", confidence=0.6)
    differing = number("Invoice No:   SS-0915\nInvoice No:   SS-0916", confidence=0.6)
    assert once.value == twice.value == "SS-0915"
    assert twice.confidence > once.confidence == differing.confidence


def test_a_stray_speck_word_between_label_and_number_is_passed_over():
    assert number("Invoice No:   ae   SS-0915").value == "SS-0915"
    assert number("Invoice No:   A 12345").value == "A 12345"  # an upper-case prefix stays with its digits
