"""The header fields: who issued the document, to whom, its number, its date, its kind and currency.

Why heuristics in this order: labels ("Date:", "Bill To:") are the strongest
evidence, and a value found without its label gets a lower confidence. The
issuer (supplier.py) and the document number (docnumber.py) have modules of
their own; they are re-exported here, where parse.py reads the header fields.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from apps.ledger.extraction import Extracted

from . import kind
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


def document_kind(lines: Sequence[TextLine], direction: Direction) -> Extracted:
    """The kind of document: the vocabulary lives in ``kind.py``."""
    return kind.document_kind(lines, direction)


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
