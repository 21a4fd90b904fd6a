"""Which kind of document this is: the vocabulary of titles, bills, till slips, credit notes and statements.

Why evidence is counted rather than one word trusted: the words that mark a
restaurant bill ("Table", "Server", "Bill") or a till slip ("Trans", "Till")
also turn up on ordinary invoices ("Bill to:", "Transport", a line of
"Table lamps"), so each is matched in the shape a bill or slip prints it
("Table 12", "Covers: 4", "Trans #0042") and two different ones are needed.
A statement of account lists invoices already received and pays nothing new:
it is not a document to post, so it is reported as ``UNKNOWN`` (the review
then says the kind could not be worked out) rather than as an invoice, which
would double-count the invoices it lists.

Confidences say how strong the evidence is: a printed title (credit note, receipt)
is the strongest, two marks of a bill or slip are good, a word found anywhere
in the text is weaker; nothing at all is a guess.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from apps.ledger.extraction import DocumentKind, Extracted

from .direction import Direction
from .text import TextLine

TITLED, MARKED, WORDED, NONE = 0.95, 0.85, 0.7, 0.3

_I = re.IGNORECASE
CREDIT_NOTE = re.compile(r"\bcredit\s*(?:note|memo)\b|\bcredit\s*no\b\.?|\bcredit\s*note\s*no\b", _I)
# "CN" only as a printed label or number prefix, upper case ("CN No: 77", "CN-0077"), never the word inside text.
CREDIT_NOTE_CODE = re.compile(r"(?<![A-Za-z])CN(?:\s*(?:No\.?|#|:)|-?\d)")
# A statement's title line ("Statement", "Statement of account", "Customer statement") or its labels.
STATEMENT_LINE = re.compile(
    r"^\W*(?:customer\s*|supplier\s*|monthly\s*)?(?:account\s*)?statement(?:\s*of\s*account)?\W*$", _I
)
STATEMENT_LABEL = re.compile(r"\bstatement\s*(?:date|no\.?|number|period)\b|\bstatement\s*of\s*account\b", _I)
RECEIPT_TITLE = re.compile(r"\breceipt\b", _I)
INVOICE_WORD = re.compile(r"\b(?:tax\s*)?invoice\b", _I)
# An invoice's own title or number label; a statement's rows name invoices too ("04/03 Invoice FEW-1").
INVOICE_TITLE = re.compile(r"^\W*(?:tax\s*|vat\s*)?invoice\W*$|\binvoice\s*(?:no\.?|number|num\.?|#|date)\b", _I)
BILL_WORD = re.compile(r"\bbill\b", _I)

# Marks of a restaurant or bar bill. The strong ones are printed only there; the weak ones
# ("Your bill", "Service charge", "Tip") also appear on phone bills and landlords' invoices.
RESTAURANT_STRONG: tuple[re.Pattern[str], ...] = (
    re.compile(r"\bcovers?\s*[:#]?\s*\d", _I),
    re.compile(r"\btable\s*(?:no\.?|number|#)?\s*[:#]?\s*\d", _I),
    re.compile(r"\b(?:server|waiter|waitress|served\s*by)\s*[:#]", _I),
    re.compile(r"\bcheck\s*(?:no\.?|number)?\s*#|\bcheck\s*(?:no\.?|number)\s*:?\s*\d", _I),
    re.compile(r"\bgratuity\b", _I),
    re.compile(r"\bguests?\s*[:#]?\s*\d", _I),
)
RESTAURANT_WEAK: tuple[re.Pattern[str], ...] = (
    re.compile(r"\bservice\s*charge\b", _I),
    re.compile(r"\btip\b", _I),
    re.compile(r"\byour\s*bill\b|\bbill\s*(?:no\.?|number|#)\s*[:#]?\s*\d", _I),
)
# Marks of a till slip: a transaction or ticket number, a till, a cashier, change, card-terminal lines.
TILL_STRONG: tuple[re.Pattern[str], ...] = (
    re.compile(r"\b(?:trans(?:action)?|txn)\s*(?:no\.?|number|id|#|:)", _I),
    re.compile(r"\bticket\s*(?:no\.?|number|#|:)", _I),
    re.compile(r"\btill\s*(?:no\.?|number|id|#|:|\d)", _I),
    re.compile(r"\b(?:cashier|operator)\b", _I),
    re.compile(r"\bchange\s*(?:due|given)\b", _I),
    re.compile(r"\b(?:auth(?:orisation)?\s*code|merchant\s*id|terminal\s*id)\b", _I),
)
TILL_WEAK: tuple[re.Pattern[str], ...] = (
    re.compile(r"\bcard\s*payment\b|\bcontactless\b|\bchip\s*(?:and|&)\s*pin\b", _I),
    re.compile(r"\b(?:store|branch)\s*(?:no\.?|#|:)\s*\d", _I),
)
PAYMENT_WORDS = re.compile(r"\b(receipt|change|card\s*payment|cash|contactless|visa|mastercard|debit\s*card)\b", _I)


def marks(strong: Sequence[re.Pattern[str]], weak: Sequence[re.Pattern[str]], text: str) -> bool:
    """Two different marks of one kind of slip, at least one of them strong."""
    found_strong = sum(1 for pattern in strong if pattern.search(text))
    return found_strong >= 1 and found_strong + sum(1 for pattern in weak if pattern.search(text)) >= 2


def is_statement(lines: Sequence[TextLine]) -> bool:
    """A statement of account: titled so near the top, and not titled or numbered as an invoice."""
    head = lines[:12]
    titled = any(STATEMENT_LINE.match(line.text.strip()) for line in head) or any(
        STATEMENT_LABEL.search(line.text) for line in head
    )
    return titled and not any(INVOICE_TITLE.search(line.text.strip()) for line in head)


def document_kind(lines: Sequence[TextLine], direction: Direction) -> Extracted:
    """The kind of document; whether it is a sale of ours was decided from evidence (``direction.decide``)."""
    top = " ".join(line.text for line in lines if line.page == 1)[:1500]
    everything = " ".join(line.text for line in lines)
    title = " ".join(line.text for line in lines[:12])
    if CREDIT_NOTE.search(top):
        return Extracted(DocumentKind.CREDIT_NOTE, TITLED)
    if CREDIT_NOTE_CODE.search(title):
        return Extracted(DocumentKind.CREDIT_NOTE, MARKED)
    if direction.sale:
        return Extracted(DocumentKind.SALES_INVOICE, direction.confidence)
    if is_statement(lines):
        return Extracted(DocumentKind.UNKNOWN, NONE)  # not a document to post (see the module's docstring)
    invoice_titled = bool(INVOICE_WORD.search(title))
    if RECEIPT_TITLE.search(title) and not invoice_titled:
        return Extracted(DocumentKind.RECEIPT, 0.9)
    if not invoice_titled and (
        marks(RESTAURANT_STRONG, RESTAURANT_WEAK, everything) or marks(TILL_STRONG, TILL_WEAK, everything)
    ):
        return Extracted(DocumentKind.RECEIPT, MARKED)
    if INVOICE_WORD.search(everything) or BILL_WORD.search(everything):
        return Extracted(DocumentKind.PURCHASE_INVOICE, MARKED)
    if PAYMENT_WORDS.search(everything):
        return Extracted(DocumentKind.RECEIPT, WORDED)
    return Extracted(DocumentKind.UNKNOWN, NONE)
