"""The issue date: which of a document's dates it is, and whether it can be right.

Why a label ranking: an invoice prints several dates (issued, tax point, due,
delivery, order, a billing period); only the issue date (or tax point) decides
the VAT period. A date labelled as an issue date ("Invoice date", "Tax point",
"Date of supply", "Issued") beats a plain "Date", which beats an unlabelled
date; dates labelled as something else (due, period, delivery, order) are
never taken.

Why the received date: a document cannot be issued long after it arrived, and
one issued years before is far more often a misread year. Such a date gets its
one-digit OCR alternatives tried (dates.digit_alternatives); a plausible one is
used with lowered confidence and a warning; otherwise the printed value is kept
with low confidence and a warning, so the review gate holds it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from apps.ledger.extraction import Extracted

from .dates import FoundDate, digit_alternatives, find_dates, plausible
from .money import find_amounts
from .text import TextLine

LABELLED, BELOW, ALONE, GUESS = 0.95, 0.8, 0.85, 0.7
REREAD = 0.6  # a date taken from a one-digit alternative reading keeps 60% of the confidence
IMPLAUSIBLE = 0.3  # a date kept although it cannot be right for the received date
OCR_FIXED = 0.9  # letters read as digits ("O5/O3/2O26")
_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s*)?"
_ISSUE = (
    r"invoice\s*(?:/\s*tax\s*point\s*)?date|date\s*of\s*(?:issue|invoice|supply)|issue\s*date|issued(?:\s*on)?|"
    r"tax\s*point(?:\s*date)?|dated|receipt\s*date|document\s*date|credit\s*note\s*date|transaction\s*date|"
    r"date\s*/?\s*tax\s*point"
)
_STRONG = re.compile(rf"\b(?:{_ISSUE})\b\W*{_WEEKDAY}$", re.IGNORECASE)
_PLAIN = re.compile(rf"\b(?:date(?:\s*/\s*time)?)\b\W*{_WEEKDAY}$", re.IGNORECASE)
NOT_ISSUE = re.compile(
    r"\b(due|payment|pay\s*by|period|deliver\w*|despatch\w*|dispatch\w*|ship\w*|order|expir\w*|renewal|from|until|"
    r"valid|service|start|end|sort\s*code|statement|for\s*the\s*year|year\s*to|birth|collection)\b",
    re.IGNORECASE,
)


def _rank(label: str) -> int | None:
    """0 for an issue-date label, 1 for a plain "Date", None when it labels nothing or another date."""
    if NOT_ISSUE.search(label):
        return None
    if _STRONG.search(label):
        return 0
    if _PLAIN.search(label):
        return 1
    return None


def _below(lines: Sequence[TextLine], i: int, column: int) -> tuple[str, TextLine] | None:
    """The value printed under column ``column`` of line ``i`` (labels above values, as some systems print)."""
    if i + 1 >= len(lines) or lines[i + 1].page != lines[i].page:
        return None
    above, under = lines[i].segments(), lines[i + 1].segments()
    if not under:
        return None
    return (under[column] if len(under) == len(above) else under[0]), lines[i + 1]


def _candidates(lines: Sequence[TextLine]) -> list[tuple[int, float, FoundDate, TextLine]]:
    """(rank, how-found confidence, date, line) for every date that may be the issue date, in reading order."""
    out: list[tuple[int, float, FoundDate, TextLine]] = []
    for i, line in enumerate(lines):
        segments = line.segments()
        for column, segment in enumerate(segments):
            rank = _rank(segment.strip()) if not find_dates(segment) else None
            if rank is not None and (found := _below(lines, i, column)):
                value, under = found
                offset = under.text.find(value)
                for hit in find_dates(value)[:1]:
                    moved = FoundDate(hit.value, hit.start + max(offset, 0), hit.end + max(offset, 0), hit.day,
                                      hit.month, hit.year, hit.ocr_fixed)  # fmt: skip
                    out.append((rank, BELOW, moved, under))
        plain_line: bool | None = None  # no amounts and no other date's label: computed once, when needed
        for hit in find_dates(line.text):
            before = line.text[max(0, hit.start - 80) : hit.start]  # a label is printed just before its date
            if re.search(r"\bto\s*$|-\s*$", before, re.IGNORECASE):
                continue  # the end of a period ("01/03/2026 to 31/03/2026")
            segment_before = re.split(r"\s{2,}", before.rstrip())[-1] if before.strip() else ""
            rank = _rank(segment_before) if segment_before else None
            if rank is None and segment_before and not NOT_ISSUE.search(segment_before):
                rank = _rank(before)
            if rank is not None:
                out.append((rank, LABELLED, hit, line))
            elif not NOT_ISSUE.search(before):
                if plain_line is None:
                    plain_line = not find_amounts(line.text) and not NOT_ISSUE.search(line.text)
                if plain_line:
                    out.append((2, GUESS, hit, line))
    return out


def issue_date(lines: Sequence[TextLine], *, received_on: date | None = None) -> tuple[Extracted, list[str]]:
    """(the issue date, warnings): the best-labelled date, checked against the day the document arrived."""
    found = _candidates(lines)
    if not found:
        return Extracted(), []
    best_rank = min(rank for rank, *_ in found)
    ranked = [c for c in found if c[0] == best_rank]
    if best_rank == 2:
        page_one = {c[2].value for c in ranked if c[3].page == 1}
        how = ALONE if len(page_one) == 1 else GUESS
        ranked = [(2, how, *ranked[0][2:])]
    plausible_ones = [c for c in ranked if plausible(c[2].value, received_on)]
    _rank, how, hit, line = (plausible_ones or ranked)[0]
    confidence = how * line.confidence_at(hit.start, hit.end) * (OCR_FIXED if hit.ocr_fixed else 1.0)
    if hit.readings:
        return _not_a_date(hit, line, confidence, received_on)
    if plausible(hit.value, received_on):
        return Extracted(hit.value, round(confidence, 3)), []
    return _implausible(hit, confidence, received_on)


def _not_a_date(hit: FoundDate, line: TextLine, confidence: float, received_on: date | None):
    """The print is no date ("38/03/2026"): its plausible one-digit reading nearest the received date."""
    printed = line.text[hit.start : hit.end]
    options = [d for d in hit.readings if plausible(d, received_on)] or list(hit.readings)
    anchor = received_on or hit.readings[0]
    chosen = min(options, key=lambda d: (abs((anchor - d).days), d))
    share = REREAD if len(options) == 1 else REREAD * 0.7
    return Extracted(chosen, round(confidence * share, 3)), [
        f"The date printed as “{printed}” is not a valid date; {chosen:%d %b %Y} (one digit read "
        "differently) was used. Check it."
    ]


def _implausible(hit: FoundDate, confidence: float, received_on: date) -> tuple[Extracted, list[str]]:
    printed = f"{hit.value:%d %b %Y}"
    arrived = f"{received_on:%d %b %Y}"
    why = "after" if hit.value > received_on else "long before"
    options = [d for d in digit_alternatives(hit) if plausible(d, received_on)]
    if options:
        # several one-digit readings may fit: the one nearest the day it arrived (earlier on a tie)
        chosen = min(options, key=lambda d: (abs((received_on - d).days), d))
        share = REREAD if len(options) == 1 else REREAD * 0.7
        return Extracted(chosen, round(confidence * share, 3)), [
            f"The date was read as {printed}, {why} the document was received ({arrived}); "
            f"{chosen:%d %b %Y} (one digit read differently) was used instead. Check it."
        ]
    return Extracted(hit.value, round(confidence * IMPLAUSIBLE, 3)), [
        f"The date was read as {printed}, {why} the document was received ({arrived}). Check it."
    ]
