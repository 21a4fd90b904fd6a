"""The header fields: who issued the document, to whom, its number, its date, its kind and currency.

Why heuristics in this order: labels ("Date:", "Bill To:") are the strongest
evidence, and a value found without its label gets a lower confidence. The
issuer (supplier.py) and the document number (docnumber.py) have modules of
their own; they are re-exported here, where parse.py reads the header fields.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from apps.ledger.extraction import DocumentKind, Extracted

from .dates import FoundDate, find_dates
from .direction import Direction
from .docnumber import document_number as document_number  # parse.py reads the header fields from here
from .money import find_amounts
from .supplier import COMPANY, is_name_like
from .supplier import supplier_name as supplier_name
from .text import TextLine, clean_value, same_name

LABELLED, LIKELY, GUESS, DEFAULT = 0.95, 0.8, 0.6, 0.5

CUSTOMER_LABEL = re.compile(
    r"^(bill(?:ed)?\s*to|invoice(?:d)?\s*to|sold\s*to|charge\s*to|customer(?:\s*name)?|client(?:\s*name)?|to|for|"
    r"fao|attn)\b\s*[:.]?\s*(?P<rest>.*)$",
    re.IGNORECASE,
)
_DATE_LABEL = re.compile(
    r"\b(invoice\s*date|date\s*of\s*(?:issue|invoice|supply)|issue\s*date|tax\s*point(?:\s*date)?|dated|date|issued)"
    r"\b\W*$",
    re.IGNORECASE,
)
# A restaurant's bill ("Check #", covers, a table number, the server, a service charge or gratuity).
_TABLE_SERVICE = re.compile(
    r"\b(covers?\s*:?\s*\d+|table\s*(?:no\.?|#)?\s*:?\s*\d+|check\s*#|server\s*:|gratuity|service\s*charge)",
    re.IGNORECASE,
)
NOT_ISSUE = re.compile(
    r"\b(due|payment|pay\s*by|period|delivery|order|expir\w*|renewal|from|until|valid|service|start|end|"
    r"sort\s*code|statement|for\s*the\s*year|year\s*to)\b",
    re.IGNORECASE,
)


def customer_name(lines: Sequence[TextLine], supplier: str | None, own_names: Sequence[str] = ()) -> Extracted[str]:
    """The billed party: after "Bill To:" / "To:", else the first other business-like name near the top."""
    page_one = [line for line in lines if line.page == 1]
    for i, line in enumerate(page_one):
        segments = line.segments()
        if not segments:
            continue
        match = CUSTOMER_LABEL.match(segments[0])
        if not match:
            continue
        rest = clean_value(match.group("rest"))
        if rest and is_name_like(rest):
            return Extracted(rest, LABELLED * line.confidence_of(rest))
        if not rest and i + 1 < len(page_one):
            following = page_one[i + 1]
            value = clean_value(following.segments()[0]) if following.segments() else ""
            if is_name_like(value):
                return Extracted(value, LABELLED * following.confidence_of(value))
    for line in page_one[:25]:
        for segment in line.segments():
            value = clean_value(segment)
            if not is_name_like(value) or not COMPANY.search(value):
                continue
            if supplier and same_name(value, supplier):
                continue
            if any(same_name(value, own) for own in own_names):
                continue
            return Extracted(value, GUESS * line.confidence_of(value))
    return Extracted()


def below(lines: Sequence[TextLine], i: int, column: int) -> tuple[str, TextLine] | None:
    """The value printed under column ``column`` of line ``i`` (labels above values, as some systems print)."""
    if i + 1 >= len(lines) or lines[i + 1].page != lines[i].page:
        return None
    above, under = lines[i].segments(), lines[i + 1].segments()
    if not under:
        return None
    return (under[column] if len(under) == len(above) else under[0]), lines[i + 1]


def issue_date(lines: Sequence[TextLine]) -> Extracted:
    """A labelled date ("Invoice date", "Date", "Tax point"); else the one date of page one (a letter's)."""
    unlabelled: list[tuple[TextLine, FoundDate]] = []
    for i, line in enumerate(lines):
        for column, segment in enumerate(line.segments()):
            if _DATE_LABEL.fullmatch(segment.strip().rstrip(":")) and not NOT_ISSUE.search(segment):
                found = below(lines, i, column)
                dates = find_dates(found[0]) if found else []
                if dates:
                    return Extracted(dates[0].value, LIKELY * found[1].confidence_of(found[0]))
        for found in find_dates(line.text):
            before = line.text[: found.start]
            segment_before = re.split(r"\s{2,}", before.rstrip())[-1] if before.strip() else ""
            if NOT_ISSUE.search(before) or re.search(r"\bto\s*$", before, re.IGNORECASE):
                continue
            if _DATE_LABEL.search(segment_before) or _DATE_LABEL.search(before):
                return Extracted(found.value, LABELLED * line.confidence_at(found.start, found.end))
            if not find_amounts(line.text) and not NOT_ISSUE.search(line.text):
                unlabelled.append((line, found))
    if not unlabelled:
        return Extracted()
    line, found = unlabelled[0]
    alone = len({f.value for line_, f in unlabelled if line_.page == 1}) == 1  # nothing else it could be
    return Extracted(found.value, (LIKELY + 0.05 if alone else 0.7) * line.confidence_at(found.start, found.end))


def document_kind(lines: Sequence[TextLine], direction: Direction) -> Extracted:
    """The kind of document; whether it is a sale of ours was decided from evidence (``direction.decide``)."""
    top = " ".join(line.lower for line in lines if line.page == 1)[:1500]
    everything = " ".join(line.lower for line in lines)
    if re.search(r"\bcredit\s*note\b", top):
        return Extracted(DocumentKind.CREDIT_NOTE, LABELLED)
    if direction.sale:
        return Extracted(DocumentKind.SALES_INVOICE, direction.confidence)
    title = " ".join(line.lower for line in lines[:12])
    if re.search(r"\breceipt\b", title) and not re.search(r"\binvoice\b", title):
        return Extracted(DocumentKind.RECEIPT, 0.9)
    if _TABLE_SERVICE.search(everything) and not re.search(r"\binvoice\b", everything):
        return Extracted(DocumentKind.RECEIPT, 0.8)  # a restaurant's bill is paid at the table: a receipt
    if re.search(r"\b(tax\s*)?invoice\b|\bbill\b", everything):
        return Extracted(DocumentKind.PURCHASE_INVOICE, 0.85)
    if re.search(r"\b(receipt|change|card\s*payment|cash|contactless|visa|mastercard|debit\s*card)\b", everything):
        return Extracted(DocumentKind.RECEIPT, 0.7)
    return Extracted(DocumentKind.UNKNOWN, 0.3)


def currency(lines: Sequence[TextLine]) -> Extracted[str]:
    counts: dict[str, int] = {}
    for line in lines:
        for amount in find_amounts(line.text):
            if amount.currency:
                counts[amount.currency] = counts.get(amount.currency, 0) + 1
        if re.search(r"€|\bEUR\b", line.text):
            counts["EUR"] = counts.get("EUR", 0) + 1
    if not counts:
        return Extracted("GBP", DEFAULT)
    best = max(counts, key=lambda c: (counts[c], c == "GBP"))
    share = counts[best] / sum(counts.values())
    return Extracted(best, round(0.95 * share, 3))
