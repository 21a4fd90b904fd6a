"""Field extraction from page text (no OCR): layouts beyond the golden set's templates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from apps.documents.extraction.parse import extract_fields
from apps.documents.extraction.text import PageLines
from apps.ledger.extraction import EXEMPT_RATE, DocumentKind

from .conftest import INVOICE

D = Decimal
OWN = ["Hollybush Bakery Ltd"]


def extract(text: str, confidence: float = 1.0, own_names=()):
    return extract_fields([PageLines(text, confidence)], own_names=own_names)


def test_a_table_invoice():
    result = extract("\n".join(INVOICE), own_names=OWN)
    assert result.kind.value == DocumentKind.PURCHASE_INVOICE
    assert result.supplier_name.value == "Brackenbury Office Supplies Ltd"
    assert result.supplier_vat_number.value == "980780684"
    assert result.customer_name.value is None  # only for sales invoices
    assert result.document_number.value == "BOS-5521"
    assert result.issue_date.value == date(2026, 3, 5)
    assert (result.net.value, result.vat.value, result.gross.value) == (D("67.00"), D("13.40"), D("80.40"))
    assert [(li.description, li.net, li.vat_rate, li.quantity, li.unit_price) for li in result.lines] == [
        ("Copier paper A4, box of 5", D("49.00"), D(20), D(2), D("24.50")),
        ("Desk lamp", D("18.00"), D(20), D(1), D("18.00")),
    ]
    assert result.arithmetic_ok and result.warnings == []
    assert result.currency.value == "GBP" and result.currency.confidence > 0.9


def test_labels_above_their_values_and_totals_in_a_column():
    text = """TAX INVOICE
Acme Widgets Limited
                                         Invoice Date        Invoice Number
                                         5 Mar 2026          INV-0042
VAT Number
GB 980 7806 84
Description          Quantity   Unit Price   VAT      Amount GBP
Widget blue              2.00        10.00   20%           20.00
                                  Subtotal                 20.00
                                  TOTAL VAT 20%             4.00
                                  TOTAL GBP                24.00
Due Date  4 Apr 2026
"""
    result = extract(text)
    assert result.supplier_name.value == "Acme Widgets Limited"
    assert result.document_number.value == "INV-0042"
    assert result.issue_date.value == date(2026, 3, 5)  # not the due date
    assert (result.net.value, result.vat.value, result.gross.value) == (D("20.00"), D("4.00"), D("24.00"))
    assert result.arithmetic_ok


def test_a_till_receipt_with_vat_codes_and_prices_including_vat():
    text = """SUPERSTORE PLC
VAT NO: 220 4302 31
12/03/26 14:02
MILK 2L           1.45 Z
BREAD             1.10 Z
WINE              6.00 S
BALANCE DUE       8.55
VISA              8.55
VAT  RATE    VAT   NET
S    20%     1.00  5.00
Z    0%      0.00  2.55
"""
    result = extract(text)
    assert result.kind.value == DocumentKind.RECEIPT
    assert (result.net.value, result.vat.value, result.gross.value) == (D("7.55"), D("1.00"), D("8.55"))
    assert {(b.rate, b.net, b.vat) for b in result.vat_breakdown} == {(D(20), D("5.00"), D("1.00")), (0, D("2.55"), 0)}
    assert [(li.description, li.net, li.vat_rate) for li in result.lines] == [
        ("MILK 2L", D("1.45"), 0), ("BREAD", D("1.10"), 0), ("WINE", D("5.00"), D(20))
    ]  # fmt: skip
    assert result.arithmetic_ok


def test_a_credit_note_stores_positive_totals():
    text = """Quill & Co Ltd
CREDIT NOTE
Credit Note No: CN-77      Against invoice INV-12
Date: 2026-02-01
Returned toner                 (£50.00)
Net                            (£50.00)
VAT @ 20%                      (£10.00)
Total credit                   (£60.00)
"""
    result = extract(text)
    assert result.kind.value == DocumentKind.CREDIT_NOTE
    assert result.document_number.value == "CN-77"
    assert (result.net.value, result.vat.value, result.gross.value) == (D("50.00"), D("10.00"), D("60.00"))
    assert result.lines[0].net == D("50.00")


def test_an_invoice_issued_by_the_business_is_a_sales_invoice():
    text = """Hollybush Bakery Limited
Invoice number: HB-1
Date: 1 March 2026
To: Riverside Deli Ltd
Celebration cake ........ £40.00
Total (zero-rated): £40.00
VAT at 0%: £0.00
Total due: £40.00
"""
    result = extract(text, own_names=OWN)
    assert result.kind.value == DocumentKind.SALES_INVOICE
    assert result.customer_name.value == "Riverside Deli Ltd"
    assert result.vat_breakdown[0].rate == 0 and result.arithmetic_ok
    assert extract(text).kind.value == DocumentKind.PURCHASE_INVOICE  # without own names it is a bill


def test_an_invalid_vat_number_is_not_extracted_and_is_explained():
    result = extract("Tinker Ltd\nVAT No: GB 980 7806 85\nInvoice 12\nTotal £10.00")
    assert result.supplier_vat_number.value is None
    assert any("not a valid UK VAT number" in w for w in result.warnings)


def test_no_vat_printed_means_net_equals_gross():
    result = extract("Farm Shop\nRECEIPT\nEggs   3.20\nHoney   6.50\nTOTAL   £9.70\nCASH   £10.00\nCHANGE   £0.30")
    assert (result.net.value, result.vat.value, result.gross.value) == (D("9.70"), D("0.00"), D("9.70"))
    assert result.vat_breakdown == [] and result.arithmetic_ok
    assert [li.vat_rate for li in result.lines] == [None, None]


def test_exempt_amounts_use_the_exempt_rate():
    text = (
        "Harbour Insurance Ltd\nInvoice no: H-1\nAnnual premium   £480.00\n"
        "Total premium (exempt from VAT)   £480.00\nTotal due   £480.00"
    )
    result = extract(text)
    assert [(b.rate, b.net, b.vat) for b in result.vat_breakdown] == [(EXEMPT_RATE, D("480.00"), 0)]
    assert result.lines[0].vat_rate == EXEMPT_RATE


def test_euro_documents_are_detected():
    result = extract("Dublin Software Ltd\nInvoice 9\nLicence   €100.00\nTotal   €100.00")
    assert result.currency.value == "EUR"


def test_a_misread_line_amount_is_repaired_from_quantity_times_price_only_when_totals_agree():
    text = "Shop Ltd\nRECEIPT\nEggs\n  4 @ 3.20        12.50\nHoney             6.50\nTOTAL   £19.30"
    result = extract(text)
    assert [li.net for li in result.lines] == [D("12.80"), D("6.50")]
    assert "4 × £3.20 = £12.80" in result.warnings[0]


def test_arithmetic_failure_lowers_money_confidence_and_warns():
    text = "Acme Ltd\nInvoice 7\nWidget   £41.20\nSubtotal   £42.10\nVAT @ 20%   £8.42\nTotal   £50.52"
    result = extract(text)
    assert not result.arithmetic_ok
    assert "The lines add up to £41.20 but the net total says £42.10." in result.warnings
    assert result.net.confidence < 0.5


def test_confidence_follows_the_ocr_confidence_of_the_words_used():
    sure = extract("\n".join(INVOICE), confidence=1.0)
    unsure = extract("\n".join(INVOICE), confidence=0.6)
    assert unsure.supplier_name.confidence == pytest.approx(sure.supplier_name.confidence * 0.6, abs=0.001)
    assert unsure.issue_date.confidence == pytest.approx(0.95 * 0.6, abs=0.001)
    # the sums agree, so money keeps half of its doubt: 1 - (1 - 0.95 x 0.6) / 2
    assert unsure.gross.confidence == pytest.approx(1 - (1 - 0.95 * 0.6) / 2, abs=0.001)


def test_only_the_words_that_printed_a_value_count():
    text = "Acme Ltd\nInvoice No: A-1\nso   Total   £12.00"
    words = [(), (), ((0, 2, 0.05), (5, 10, 0.96), (13, 19, 0.9))]  # "so" is a speck read as a word
    result = extract_fields([PageLines(text, 0.6, [0.9, 0.9, 0.6], words)])
    assert result.gross.value == D("12.00")
    # labelled (0.95) x plain "Total" (0.9) x the amount's word (0.9, not the line's 0.6), then confirmed by the sums
    assert result.gross.confidence == pytest.approx(1 - (1 - 0.95 * 0.9 * 0.9) / 2, abs=0.001)


def test_check_digits_and_own_names_confirm_a_reading():
    text = "\n".join(
        [
            "Hollybush Bakery Ltd",
            "VAT No: GB 980 7806 84",
            "Invoice no: HB-9",
            "To: Riverside Deli Ltd",
            "Total  £40.00",
        ]
    )
    result = extract(text, confidence=0.8, own_names=OWN)
    assert result.supplier_vat_number.confidence == pytest.approx(1 - (1 - 0.95 * 0.8) / 2, abs=0.001)
    # the first line of the letterhead (0.9, with or without a "Ltd"), confirmed by the business's own names
    assert result.supplier_name.confidence == pytest.approx(1 - (1 - 0.9 * 0.8) / 2, abs=0.001)


def test_empty_text_gives_an_empty_result_with_a_warning():
    result = extract("   \n\n")
    assert result.kind.value is None and result.warnings == ["No text was found in this document."]
