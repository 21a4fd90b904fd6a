"""Sale or purchase: decided from evidence (issuer, "Bill to", VAT and company numbers), never a fuzzy name."""

from __future__ import annotations

import pytest

from apps.documents.extraction.direction import Business, billed_names, company_numbers, decide
from apps.documents.extraction.parse import extract_fields
from apps.documents.extraction.reader import read_document
from apps.documents.extraction.text import PageLines, build_lines
from apps.ledger.extraction import DocumentKind
from golden.cases import GOLDEN_DIR

OUR_VAT, OTHER_VAT = "980780684", "459670743"  # both pass the check digits


def bill(issuer: str, *, vat: str = OTHER_VAT, billed: str = "Hollybush Bakery Ltd", footer: str = "") -> str:
    return f"""{issuer}
Brightwater House, Dock Road, Bristol BS1 9XX
VAT Reg No: GB {vat[:3]} {vat[3:7]} {vat[7:]}
INVOICE
Invoice No:  BW-2026-004417
Invoice Date:  03/02/2026
Bill To:
{billed}
Description                      Qty    Unit Price    VAT     Amount
Standing charge, 31 days          31        £0.52      5%     £16.12
                                        Subtotal              £16.12
                                        VAT @ 5%               £0.81
                                        Total Due             £16.93
{footer}"""


def extract(text: str, names=("Brightwater Joinery Ltd",), vats=(), companies=()):
    return extract_fields([PageLines(text, 1.0)], own_names=names, own_vat_numbers=vats, own_company_numbers=companies)


def test_a_bill_from_a_near_namesake_is_a_purchase():
    # The business is Brightwater Joinery Ltd; the bill is from Brightwater Energy Ltd (89% alike as strings).
    result = extract(bill("Brightwater Energy Ltd", billed="Brightwater Joinery Ltd"))
    assert result.kind.value == DocumentKind.PURCHASE_INVOICE
    assert result.supplier_name.value == "Brightwater Energy Ltd"
    assert result.customer_name.value is None and result.doubts == []


def test_our_own_invoice_is_a_sale_and_our_vat_number_confirms_it():
    text = bill("Brightwater Joinery Ltd", vat=OUR_VAT, billed="Felpersham Village Stores")
    result = extract(text, vats=["GB 980 7806 84"])
    assert (result.kind.value, result.kind.confidence) == (DocumentKind.SALES_INVOICE, 0.95)
    assert result.supplier_vat_number.value == OUR_VAT
    assert result.customer_name.value == "Felpersham Village Stores"
    assert extract(text).kind.confidence == 0.9  # the name alone: a sale, less sure


def test_our_name_as_issuer_but_another_vat_number_goes_to_review_with_the_reason():
    result = extract(bill("Brightwater Joinery Ltd", billed="Felpersham Village Stores"), vats=[OUR_VAT])
    assert result.kind.value == DocumentKind.PURCHASE_INVOICE
    assert result.doubts == [
        "The document is headed with your business's name (Brightwater Joinery Ltd), but the VAT number on it "
        f"({OTHER_VAT}) is not yours: check who issued it before it is posted as a sale or a purchase."
    ]


def test_another_vat_number_is_no_conflict_when_ours_is_printed_too():
    text = bill("Brightwater Joinery Ltd", vat=OUR_VAT, billed="Felpersham Village Stores")
    text += "\nCustomer VAT No: GB 459 6707 43"
    result = extract(text, vats=[OUR_VAT])
    assert (result.kind.value, result.doubts) == (DocumentKind.SALES_INVOICE, [])
    assert result.supplier_vat_number.value == OUR_VAT  # our sale: the issuer's number is ours


def test_our_name_as_issuer_and_as_the_billed_party_goes_to_review():
    result = extract(bill("Brightwater Joinery Ltd", vat=OUR_VAT, billed="Brightwater Joinery Limited"), vats=[OUR_VAT])
    assert result.kind.value == DocumentKind.PURCHASE_INVOICE
    assert result.doubts == [
        "The document is headed with your business's name (Brightwater Joinery Ltd) but is also billed to your "
        "business: check whether you issued it or were charged by it."
    ]


def test_another_company_number_conflicts_only_when_ours_is_known_and_missing():
    footer = "Registered in England and Wales, company no. 06543210"
    text = bill("Brightwater Joinery Ltd", vat=OUR_VAT, billed="Felpersham Village Stores", footer=footer)
    assert extract(text, vats=[OUR_VAT]).kind.value == DocumentKind.SALES_INVOICE  # our number unknown
    result = extract(text, vats=[OUR_VAT], companies=["09876543"])
    assert result.kind.value == DocumentKind.PURCHASE_INVOICE
    assert result.doubts == [
        "The document is headed with your business's name (Brightwater Joinery Ltd), but the company number on "
        "it (06543210) is not yours: check who issued it before it is posted as a sale or a purchase."
    ]
    ours = text.replace("06543210", "09876543")
    result = extract(ours, vats=[OUR_VAT], companies=["09876543"])
    assert (result.kind.value, result.kind.confidence, result.doubts) == (DocumentKind.SALES_INVOICE, 0.95, [])


def test_on_a_bill_our_own_vat_number_is_passed_over_for_the_suppliers():
    text = bill("Brightwater Energy Ltd") + "\nCustomer VAT No: GB 980 7806 84"
    text = text.replace(f"VAT Reg No: GB {OTHER_VAT[:3]} {OTHER_VAT[3:7]} {OTHER_VAT[7:]}", "")
    text = "Customer VAT No: GB 980 7806 84\n" + text + "\nVAT Reg No: GB 459 6707 43"
    result = extract(text, names=["Hollybush Bakery Ltd"], vats=[OUR_VAT])
    assert result.kind.value == DocumentKind.PURCHASE_INVOICE
    assert result.supplier_vat_number.value == OTHER_VAT


def test_our_own_vat_number_alone_is_kept_for_classification_to_refuse():
    result = extract(bill("Brightwater Energy Ltd", vat=OUR_VAT), names=["Hollybush Bakery Ltd"], vats=[OUR_VAT])
    assert (result.kind.value, result.supplier_vat_number.value) == (DocumentKind.PURCHASE_INVOICE, OUR_VAT)


def test_an_invalid_vat_number_is_recorded_not_used():
    result = extract(bill("Brightwater Energy Ltd", vat="459670744"), names=["Hollybush Bakery Ltd"])
    assert result.supplier_vat_number.value is None
    assert result.invalid_vat_numbers == ["459670744"]
    assert result.to_json()["invalid_vat_numbers"] == ["459670744"]


def test_the_evidence_readers():
    lines = build_lines([PageLines("Acme Ltd\nInvoice to: Hollybush Bakery\nBill To:\nSecond Name Ltd\nTo: Anyone", 1)])
    assert billed_names(lines) == ["Hollybush Bakery", "Second Name Ltd"]
    lines = build_lines([PageLines("Company No. SC123456 and 09876543\nPhone 01632 960118\nVAT 12345678", 1)])
    assert company_numbers(lines) == {"SC123456", "09876543"}
    assert decide(lines, None, [], Business(("Acme Ltd",))).sale is False


@pytest.mark.parametrize("name", ["003-brightwater-electricity.pdf", "032-brightwater-electricity-scan.jpg"])
def test_the_golden_brightwater_bills_are_purchases_for_brightwater_joinery(name):
    """Regression: for "Brightwater Joinery Ltd" these bills were read as its own sales invoices."""
    content = (GOLDEN_DIR / "documents" / name).read_bytes()
    content_type = "application/pdf" if name.endswith(".pdf") else "image/jpeg"
    result = read_document(content, content_type, own_names=["Brightwater Joinery Ltd"])
    assert result.kind.value == DocumentKind.PURCHASE_INVOICE
    assert result.supplier_name.value == "Brightwater Energy Ltd"
    assert result.customer_name.value is None


def test_a_misread_own_name_with_our_vat_number_is_not_posted_as_a_purchase_unseen():
    text = bill("Brightwater Jolnery Ltd", vat=OUR_VAT, billed="Felpersham Village Stores")  # OCR: i read as l
    result = extract(text, vats=[OUR_VAT])
    assert result.kind.value == DocumentKind.PURCHASE_INVOICE
    assert result.doubts == [
        "The issuer's name (Brightwater Jolnery Ltd) is close to your business's name and the document carries "
        "your own VAT or company number: check whether you issued it."
    ]
    assert extract(text).doubts == []  # without our number it is a near namesake's bill
    billed_to_us = bill("Brightwater Jolnery Ltd", vat=OUR_VAT, billed="Brightwater Joinery Ltd")
    assert extract(billed_to_us, vats=[OUR_VAT]).doubts == []  # billed to us: a purchase (with our number)
    unlike = bill("Quillfeather Stationers Ltd", vat=OUR_VAT, billed="Felpersham Village Stores")
    assert extract(unlike, vats=[OUR_VAT]).doubts == []  # classification refuses our number on a bill instead
