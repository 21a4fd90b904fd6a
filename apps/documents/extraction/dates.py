"""Finding and parsing dates as UK documents print them, always day first.

Accepted: 05/03/2026, 5/3/26, 05-03-2026, 5.3.2026, 05.03.26, 2026-03-05, 5 March 2026,
5th Mar. 2026, 05-Mar-26, Thu, 5 March 2026, 5. Mar 2026, 5 Mar, 2026, March 5, 2026;
and the OCR slips "O5/O3/2O26" (letter O for zero, l or I for one) and spaces
around separators. "03/04/2026" is the 3rd of April, never the 4th of March: UK
businesses write day first, and a guess that flips between documents is worse
than a consistent rule.

Why plausibility against the received date: OCR misreads single digits
("2026" as "2028", "15" as "18"), and a misread year far from the day the
document arrived is the one slip that moves a purchase into another VAT
period. ``plausible`` says whether a date can be the issue date of a document
received on a given day, and ``digit_alternatives`` lists the readings one
OCR digit confusion away, so the caller can try them before it keeps the
printed value with low confidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_D = r"[\dOoIl|]"  # a digit as OCR may print it: O for 0, l, I or | for 1
_ORD = r"(?:st|nd|rd|th)"
_PATTERNS = [
    re.compile(
        rf"(?<![\d/.-])(?P<y>[12]{_D}{{3}})\s?(?P<s>[-/.])\s?(?P<m>{_D}{{1,2}})\s?(?P=s)\s?(?P<d>{_D}{{1,2}})(?![\d-])"
    ),
    re.compile(
        rf"(?<![\w/.:,-])(?P<d>{_D}{{1,2}})\s?(?P<s>[/.-])\s?(?P<m>{_D}{{1,2}})\s?(?P=s)\s?(?P<y>{_D}{{4}}|{_D}{{2}})"
        r"(?![\d/.-]\d)(?![\w])"
    ),
    re.compile(
        rf"(?<![\w])(?P<d>{_D}{{1,2}}){_ORD}?[.,]?[\s/.-]*(?:of\s+)?"
        + _MONTH
        + rf"\.?,?[\s/.-]*'?(?P<y>{_D}{{4}}|\d{{2}})(?!\d)",
        re.IGNORECASE,
    ),
    re.compile(
        r"(?<![\w])" + _MONTH + rf"\b\.?\s*(?P<d>{_D}{{1,2}}){_ORD}?\.?(?:,\s*|\s+)(?P<y>{_D}{{4}})(?!\d)",
        re.IGNORECASE,
    ),
]
_TO_DIGIT = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "|": "1"})
# Digits OCR confuses with one another (from shapes: closed loops, a missing stroke, a long tail).
CONFUSIONS = {
    "0": "869", "1": "74", "2": "7", "3": "85", "4": "1", "5": "63", "6": "580", "7": "12", "8": "3690", "9": "80",
}  # fmt: skip
FUTURE_SLACK = timedelta(days=2)  # a document dated a day or two after it arrived: time zones, post-dated tills
MAX_AGE = timedelta(days=730)  # older than two years when it arrived: more likely a misread year


@dataclass(frozen=True)
class FoundDate:
    value: date
    start: int
    end: int
    day: str = ""  # the printed digits, OCR letters read as digits, so a caller can try other readings
    month: str = ""  # digits, or "" when the month was a word (words are not misread into other months)
    year: str = ""
    ocr_fixed: bool = False  # a letter was read as a digit
    # When the print is not a date at all ("38/03/2026"): its valid one-digit readings, ``value`` the first.
    readings: tuple[date, ...] = ()


def _build(day: str, month: str, year: str) -> date | None:
    try:
        d = int(day)
        m = MONTHS[month[:4].lower()] if month[:4].lower() in MONTHS else MONTHS.get(month[:3].lower()) or int(month)
        y = int(year)
    except (ValueError, TypeError):
        return None
    if y < 100:
        y += 2000
    if not 1990 <= y <= 2100:
        return None
    try:
        return date(y, m, d)
    except ValueError:
        return None


def find_dates(text: str) -> list[FoundDate]:
    """Every date in ``text``, left to right (overlapping readings keep the first pattern's)."""
    found: list[FoundDate] = []
    taken = bytearray(len(text))  # characters already part of a date (checked per match, not per date found)
    for pattern in _PATTERNS:
        for match in pattern.finditer(text):
            if any(taken[match.start() : match.end()]):
                continue
            groups = match.groupdict()
            raw = (groups["d"], groups.get("m") or "", groups["y"])
            if sum(c.isdigit() for c in "".join(raw)) < 3:
                continue  # "lO-Il-OO" is not a date: most of it must really be digits
            day, month, year = (part.translate(_TO_DIGIT) for part in raw)
            value = _build(day, groups.get("mon") or month, year)
            fixed = any(not c.isdigit() for c in "".join(raw))
            if value is not None:
                found.append(FoundDate(value, match.start(), match.end(), day, month, year, fixed))
                taken[match.start() : match.end()] = b"\x01" * (match.end() - match.start())
            elif len(year) == 4 and (readings := _readings(day, groups.get("mon") or month, year)):
                # a misread day or month made it impossible; only with a four-digit year (not a sort code)
                found.append(
                    FoundDate(readings[0], match.start(), match.end(), day, month, year, fixed, tuple(readings))
                )
                taken[match.start() : match.end()] = b"\x01" * (match.end() - match.start())
    return sorted(found, key=lambda f: f.start)


def parse_date(text: str) -> date | None:
    """Parse a string that is one date (surrounding spaces and a weekday allowed); None otherwise."""
    if not isinstance(text, str) or len(text) > 60:
        return None
    stripped = re.sub(r"^(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+", "", text.strip(), flags=re.IGNORECASE)
    for found in find_dates(stripped):
        if found.start == 0 and found.end == len(stripped.rstrip(".,")) and not found.readings:
            return found.value
    return None


def plausible(value: date, received_on: date | None) -> bool:
    """Can ``value`` be the issue date of a document received on ``received_on``? (Always, when unknown.)"""
    if received_on is None:
        return True
    return received_on - MAX_AGE <= value <= received_on + FUTURE_SLACK


def _single_swaps(digits: str) -> Iterator[str]:
    for i, c in enumerate(digits):
        for other in CONFUSIONS.get(c, ""):
            yield digits[:i] + other + digits[i + 1 :]


def _readings(day: str, month: str, year: str) -> list[date]:
    """Valid dates one OCR digit confusion away from the printed day, numeric month or year."""
    out: set[date | None] = set()
    for alt in _single_swaps(day):
        out.add(_build(alt, month, year))
    if month.isdigit():
        for alt in _single_swaps(month):
            out.add(_build(day, alt, year))
    for alt in _single_swaps(year):
        out.add(_build(day, month, alt))
    out.discard(None)
    return sorted(d for d in out if d is not None)


def digit_alternatives(found: FoundDate) -> list[date]:
    """The valid dates one OCR digit confusion away from ``found`` (its day, numeric month or year)."""
    if not found.day:
        return []
    if found.readings:
        return list(found.readings)
    return [d for d in _readings(found.day, found.month or str(found.value.month), found.year) if d != found.value]
