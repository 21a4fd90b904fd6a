"""Document kind vocabulary (kind.py): restaurant bills, till slips, tax invoices, credit notes, statements.

Each document is synthetic (fictitious businesses) and goes through the whole
field extraction, so the kind is what the pipeline would store. The negative
cases pin the words a bill or slip shares with ordinary invoices ("Bill to",
"Table lamp", "Your bill", "Service charge"): they must not turn an invoice
into a receipt.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.documents.extraction.direction import Direction
from apps.documents.extraction.kind import document_kind, is_statement
from apps.documents.extraction.parse import extract_fields
from apps.documents.extraction.text import PageLines, build_lines
from apps.ledger.extraction import DocumentKind

D = Decimal
OWN = ["Hollybush Bakery Ltd"]


def extract(text: str, own_names=()):
    return extract_fields([PageLines(text, 1.0)], own_names=own_names)


def kind_of(text: str, sale: bool = False):
    return document_kind(build_lines([PageLines(text, 1.0)]), Direction(sale=sale, confidence=0.9))


BRASSERIE_BILL = """Le Petit Marronnier Brasserie
14 Quayside Walk, Felpersham FE3 9QA
VAT No: GB 220 4302 31
Table 7        Covers: 4
Server: Imogen
Check #20931          12/03/2026 20:14
2 x Soup of the day            13.00
4 x Roast hake                 74.00
1 x Bottle house red           26.00
Subtotal                      113.00
Discretionary service charge 12.5%   14.13
Total                         127.13
Card payment                  127.13
"""

BAR_TAB = """THE FOX & LANTERN
Bill No: 5521
Guests: 2
Pint of bitter x4              19.60
Gratuity                        2.00
Total                          21.60
Paid by card
"""

TILL_SLIP = """Hartwell Hardware
Unit 3, Brook Industrial Estate
Till 02   Trans #004417   Cashier: Dev
Masking tape 50mm     2.49
Wood screws 4x40      4.99
TOTAL                 7.48
CASH                 10.00
CHANGE DUE            2.52
"""

CARD_TXN = """Quayside Convenience
Store No: 0412
Txn: 88123  Auth code: 44821
Milk 2L          1.45
Total            1.45
Contactless      1.45
"""

TAX_INVOICE = """Ferngrove Electrical Wholesale Ltd
TAX INVOICE
Invoice No: FEW-10442     Date: 04/03/2026
Bill To: Hollybush Bakery Ltd
Table lamp, brass               1     £32.00
LED panel 600x600               2     £48.00
Net                                   £80.00
VAT @ 20%                             £16.00
Total                                 £96.00
"""

PHONE_BILL = """Kittiwake Telecom Ltd
Your bill for March 2026
Account number: 5512-0091
Line rental                    £18.00
Monthly service charge          £4.00
VAT @ 20%                       £4.40
Total                          £26.40
"""

CREDIT_NO = """Ferngrove Electrical Wholesale Ltd
Credit No: FEW-C-118      Date: 11/03/2026
Returned LED panel              (£24.00)
VAT @ 20%                        (£4.80)
Total                           (£28.80)
"""

CN_LABEL = """Ferngrove Electrical Wholesale Ltd
CN No: 0077      Date: 11/03/2026
Returned LED panel              £24.00
VAT @ 20%                        £4.80
Total                           £28.80
"""

STATEMENT = """Ferngrove Electrical Wholesale Ltd
STATEMENT OF ACCOUNT
Statement date: 31/03/2026
Account: HOLLY01
04/03/2026  Invoice FEW-10442      £96.00
11/03/2026  Credit FEW-C-118      (£28.80)
Balance brought forward            £0.00
Amount due                         £67.20
"""


class TestRestaurantAndTill:
    @pytest.mark.parametrize("text", [BRASSERIE_BILL, BAR_TAB, TILL_SLIP, CARD_TXN])
    def test_bills_and_till_slips_are_receipts(self, text):
        assert extract(text).kind.value == DocumentKind.RECEIPT

    def test_a_bill_is_a_receipt_with_the_marks_confidence(self):
        found = kind_of(BRASSERIE_BILL)
        assert (found.value, found.confidence) == (DocumentKind.RECEIPT, 0.85)

    def test_one_weak_mark_is_not_enough(self):
        # "Service charge" and "Tip" alone are printed by landlords and phone companies too.
        assert kind_of("Riverside Estates\nService charge  £40.00\nTip: pay online\nTotal  £40.00").value != (
            DocumentKind.RECEIPT
        )

    def test_a_phone_bill_stays_an_invoice(self):
        assert extract(PHONE_BILL).kind.value == DocumentKind.PURCHASE_INVOICE

    def test_an_invoice_with_a_table_lamp_stays_an_invoice(self):
        assert extract(TAX_INVOICE).kind.value == DocumentKind.PURCHASE_INVOICE

    def test_an_invoice_title_wins_over_till_marks(self):
        text = "Quayside Convenience\nVAT INVOICE\nTill 3  Trans #51\nCashier: Ana\nTotal 12.00\nChange due 0.00"
        assert kind_of(text).value == DocumentKind.PURCHASE_INVOICE

    def test_transport_and_ticketing_words_are_not_till_marks(self):
        text = "Northfield Transport Ltd\nInvoice 991\nTicketing system support   £50.00\nTotal  £60.00"
        assert kind_of(text).value == DocumentKind.PURCHASE_INVOICE


class TestCreditNotesAndStatements:
    @pytest.mark.parametrize(("text", "confidence"), [(CREDIT_NO, 0.95), (CN_LABEL, 0.85)])
    def test_credit_note_labels(self, text, confidence):
        found = kind_of(text)
        assert (found.value, found.confidence) == (DocumentKind.CREDIT_NOTE, confidence)

    def test_a_lower_case_cn_inside_a_word_is_not_a_credit_note(self):
        assert kind_of("Acne Clinic Supplies Ltd\nInvoice 12\nCNC bits x2  £10.00\nTotal £12.00").value == (
            DocumentKind.PURCHASE_INVOICE
        )

    def test_a_statement_is_not_a_document_to_post(self):
        found = extract(STATEMENT).kind
        assert (found.value, found.confidence) == (DocumentKind.UNKNOWN, 0.3)

    def test_an_invoice_mentioning_a_confirmation_statement_is_still_an_invoice(self):
        text = "Marsh & Pike LLP\nINVOICE 2231\nPreparing the confirmation statement   £90.00\nTotal £108.00"
        assert kind_of(text).value == DocumentKind.PURCHASE_INVOICE
        assert not is_statement(build_lines([PageLines(text, 1.0)]))

    def test_a_sales_direction_still_wins(self):
        assert kind_of(BRASSERIE_BILL, sale=True).value == DocumentKind.SALES_INVOICE


class TestUnchangedCases:
    def test_nothing_recognisable_is_unknown(self):
        found = kind_of("Some words\nwithout any sign of a document")
        assert (found.value, found.confidence) == (DocumentKind.UNKNOWN, 0.3)

    def test_a_payment_word_alone_is_a_weak_receipt(self):
        found = kind_of("Greenway Stall\nEggs 2.40\nPaid cash 2.40")
        assert (found.value, found.confidence) == (DocumentKind.RECEIPT, 0.7)

    def test_a_receipt_title(self):
        found = kind_of("Parcel Point Ltd\nRECEIPT\nStamps 10.20")
        assert (found.value, found.confidence) == (DocumentKind.RECEIPT, 0.9)
