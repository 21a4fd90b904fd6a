"""The document's own number: found by a wide label vocabulary, split from its label without cutting a
prefix off, and repaired by its shape.

Why a ranked vocabulary: a document prints several references ("Invoice No", "Your ref", "Order no",
"Account no"); which one is the document's number follows from the label, so each label has a rank
(the best present wins) and some labels are never the document's own (the customer's reference, an
account number, a VAT or company number). Why the label must be followed by a separator: in
``INV00123`` or ``Ref: INV-0042`` the letters ``INV`` belong to the number, and a label read out of the
number's own prefix used to cut the prefix off (issue #12).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from apps.ledger.extraction import Extracted

from .codes import repair_code
from .dates import find_dates
from .text import TextLine

# (label pattern, rank): rank 0 is for a credit note's own number, 1 the strongest label of a document's
# number, 2 a reference that is usually the number, 3 a bare "No." or "#", 4 an order number (fallback).
CREDIT, STRONG, REFERENCE, BARE, ORDER = 0, 1, 2, 3, 4
_VOCABULARY: tuple[tuple[str, int], ...] = (
    (r"credit\s*note|credit|cr\s*note|c/?n", CREDIT),
    (r"(?:tax\s*|sales\s*|vat\s*)?invoice|inv|receipt|rcpt|document|doc|bill|folio|voucher|ticket|check", STRONG),
    (r"our\s*ref(?:erence)?|ref(?:erence)?|trans(?:action)?|txn|transaction\s*id", REFERENCE),
    (r"no|nr|number|num", BARE),
    (r"(?:sales\s*)?order", ORDER),
)
_LABEL_NAMES = "|".join(f"(?P<r{rank}_{i}>{pattern})" for i, (pattern, rank) in enumerate(_VOCABULARY))
_NUMBER_WORD = r"(?:\.?\s*(?:no\b\.?|nr\b\.?|number\b|num\b\.?|id\b|#|ref(?:erence)?\b\.?))?"
_CODE = r"[A-Z0-9$#][A-Z0-9/\-._]*[A-Z0-9]|[0-9]"
# A label, then a separator (never glued to the number: "INV00123" is a number, not "INV" + "00123"),
# then the value; a short letter prefix printed with a space ("INV 00123") stays with its digits.
_LABELLED = re.compile(
    rf"(?<![A-Za-z0-9])(?:{_LABEL_NAMES}){_NUMBER_WORD}(?=[\s:#.]|$)\s*[:#.]?\s*[:#]?\s*"
    rf"(?:(?-i:[a-z]{{1,2}})\s{{2,}}(?=\S*\d))?"  # a speck OCR read as a stray lower-case word before the value
    rf"(?P<value>(?:[A-Z]{{1,4}} (?=\d))?(?:{_CODE}))",
    re.IGNORECASE,
)
# A label with no value after it ("Invoice No:" above its value, in a column layout).
# "Our invoice no." is the issuer speaking of its own number (never "Your ...": that is the customer's).
_LABEL_ONLY = re.compile(rf"^(?:our\s+)?(?:{_LABEL_NAMES}){_NUMBER_WORD}\s*[:.#]?$", re.IGNORECASE)
# Words just before a label that make it someone else's reference.
_NOT_OURS = re.compile(
    r"\b(your|customer|cust|client|account|acct|a/c|purchase|p\.?o|vat|company|co|policy|member|membership|"
    r"original|against|the|supplier|delivery|despatch|dispatch|payment|card|auth|terminal|merchant|tel|phone|"
    r"fax|mobile|sort|page|batch|booking|job|unit|item|product|part|serial|cheque|store|till|reg(?:istration)?)"
    r"\W*$",
    re.IGNORECASE,
)
_ORDER_BEFORE = re.compile(r"\b(order|po)\W*$", re.IGNORECASE)
# A number word left in front of the value: "No 12345", or glued to it when OCR dropped the space
# ("NumberPX3D5292", "No.4471"): never part of a document number.
_NUMBER_WORD_VALUE = re.compile(
    r"^(?:(?:no|nr|num|ref|id)\.?\s+|(?:number|no\.|nr\.|num\.)(?=[A-Z0-9]))", re.IGNORECASE
)
_MONEY = re.compile(r"(?:(?:GBP|EUR|USD)\s*)?\d{1,3}(?:,\d{3})*\.\d{2}|(?:GBP|EUR|USD)\s*\d+", re.IGNORECASE)
_FACTOR = {CREDIT: 0.95, STRONG: 0.95, REFERENCE: 0.85, BARE: 0.8, ORDER: 0.6}
REPAIRED = 0.85  # a value whose look-alikes were repaired keeps 85% of its confidence
BELOW = 0.9  # a value printed under its label (a column layout) rather than after it
# A stronger label is printed whose value could not be read (a box row read out of order, a value lost to
# OCR): the weaker label's value may well be another reference, so it keeps half of its confidence and the
# review gate holds the document rather than posting someone else's reference as its number.
UNRESOLVED = 0.5


@dataclass(frozen=True)
class _Found:
    rank: int
    value: str
    confidence: float


def _rank_of(match: re.Match, *, credit_note: bool) -> int:
    for name, text in match.groupdict().items():
        if name.startswith("r") and "_" in name and text is not None:
            rank = int(name[1 : name.index("_")])
            if rank == CREDIT and not credit_note:
                return REFERENCE  # a credit note's number on an invoice is a reference, not its number
            return rank
    return BARE


def _accept(value: str, rank: int) -> tuple[str, bool] | None:
    """The value repaired by its shape, and whether it was repaired; None when it is not a document number."""
    value = _NUMBER_WORD_VALUE.sub("", value.strip()).rstrip(".-/")
    if value.startswith("#"):
        value = value[1:]
    repaired = repair_code(value)
    value = repaired.value
    if not any(c.isdigit() for c in value) or find_dates(value):
        return None
    if len(value.replace(" ", "")) < (2 if rank <= STRONG else 3):
        return None
    if _MONEY.fullmatch(value):  # an amount (with or without its currency), not a number
        return None
    return value, repaired.repaired


def _confidence(rank: int, ocr: float, repaired: bool, below: bool = False) -> float:
    confidence = _FACTOR[rank] * ocr * (REPAIRED if repaired else 1.0) * (BELOW if below else 1.0)
    return round(confidence, 3)


def _spans(line: TextLine) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group(0)) for m in re.finditer(r"\S+(?: \S+)*", line.text)]


def _under(lines: Sequence[TextLine], i: int, column: int) -> tuple[str, TextLine] | None:
    """The value printed under column ``column`` of line ``i``: the same column when both lines have as
    many columns, else the segment below that overlaps the label horizontally (a box row whose empty
    boxes print nothing), never simply the first one (that is another box's value)."""
    if i + 1 >= len(lines) or lines[i + 1].page != lines[i].page:
        return None
    above, under = _spans(lines[i]), _spans(lines[i + 1])
    if not under:
        return None
    if len(under) == len(above):
        return under[column][2], lines[i + 1]
    # the value below nearest this label (aligned left, centred or right), if this label is also the
    # nearest to it: a box left empty prints nothing, and its neighbour's value is not its own
    label = above[column]
    value = min(under, key=lambda span: _apart(span, label))
    nearest_label = min(above, key=lambda span: _apart(span, value))
    return (value[2], lines[i + 1]) if nearest_label == label else None


def _apart(a: tuple[int, int, str], b: tuple[int, int, str]) -> float:
    """How far apart two printed segments are: by their left edges, centres or right edges, the closest."""
    return min(abs(a[0] - b[0]), abs((a[0] + a[1]) / 2 - (b[0] + b[1]) / 2), abs(a[1] - b[1]))


def _in_line(line: TextLine, credit_note: bool) -> list[_Found]:
    out = []
    for match in _LABELLED.finditer(line.text):
        before = line.text[: match.start()]
        if _NOT_OURS.search(before):
            continue
        rank = ORDER if _ORDER_BEFORE.search(before) else _rank_of(match, credit_note=credit_note)
        accepted = _accept(match.group("value"), rank)
        if accepted:
            value, repaired = accepted
            ocr = line.confidence_at(*match.span("value"))
            out.append(_Found(rank, value, _confidence(rank, ocr, repaired)))
    return out


def _below(lines: Sequence[TextLine], i: int, credit_note: bool, unresolved: list[int]) -> list[_Found]:
    """Values printed under label-only segments; the rank of each such label left without one goes to
    ``unresolved`` when it is plainly a number's label (a number word, or one box of a row of labels)."""
    out = []
    segments = lines[i].segments()
    row_of_labels = sum(1 for segment in segments if _LABEL_ONLY.match(segment.strip())) > 1
    for column, segment in enumerate(segments):
        match = _LABEL_ONLY.match(segment.strip())
        if not match:
            continue
        rank = _rank_of(match, credit_note=credit_note)
        found = _under(lines, i, column)
        accepted = None
        if found and re.fullmatch(rf"(?:[A-Z]{{1,4}} (?=\d))?(?:{_CODE})", found[0].strip(), re.I):
            accepted = _accept(found[0], rank)
        if accepted:
            value, repaired = accepted
            out.append(_Found(rank, value, _confidence(rank, found[1].confidence_of(found[0]), repaired, True)))
        elif row_of_labels or re.search(r"(?:\bno\b|\bnr\b|number|#)", segment, re.IGNORECASE):
            unresolved.append(rank)  # a number's label left without a value (a title such as "RECEIPT" is not)
    return out


def document_number(lines: Sequence[TextLine], *, credit_note: bool = False) -> Extracted[str]:
    """The document's own number: the best-ranked label's value, the first one printed on a tie."""
    best: _Found | None = None
    best_line = -1
    unresolved: list[int] = []
    readings: list[tuple[int, _Found]] = []  # (line index, candidate)
    for i, line in enumerate(lines):
        for found in [*_below(lines, i, credit_note, unresolved), *_in_line(line, credit_note)]:
            readings.append((i, found))
            if best is None or found.rank < best.rank:
                best, best_line = found, i
    if best is None:
        return Extracted()
    confidence = best.confidence
    if any(i != best_line and f.rank == best.rank and f.value == best.value for i, f in readings):
        # printed again under the same label (each page's header, a remittance slip): two readings that
        # agree are independent evidence, so half of the remaining doubt goes
        confidence = 1 - (1 - confidence) / 2
    if unresolved and min(unresolved) < best.rank:
        confidence *= UNRESOLVED
    return Extracted(best.value, round(confidence, 3))
