"""Finding and parsing dates as UK documents print them, always day first.

Accepted: 05/03/2026, 5/3/26, 05-03-2026, 05.03.2026, 2026-03-05, 5 March 2026,
5th March 2026, 05-Mar-2026, 5 Mar 26, March 5, 2026. "03/04/2026" is the
3rd of April, never the 4th of March: UK businesses write day first, and a
guess that flips between documents is worse than a consistent rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_PATTERNS = [
    re.compile(r"(?<![\d/.-])(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?![\d-])"),
    re.compile(
        r"(?<![\d/.:-])(?P<d>\d{1,2})\s?(?P<s>[/.-])\s?(?P<m>\d{1,2})\s?(?P=s)\s?(?P<y>\d{4}|\d{2})(?![\d/.-]\d)"
    ),
    re.compile(
        r"(?<![\w])(?P<d>\d{1,2})(?:st|nd|rd|th)?[\s-]+" + _MONTH + r"\.?,?[\s-]+(?P<y>\d{4}|\d{2})(?!\d)",
        re.IGNORECASE,
    ),
    re.compile(r"(?<![\w])" + _MONTH + r"\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})(?!\d)", re.IGNORECASE),
]


@dataclass(frozen=True)
class FoundDate:
    value: date
    start: int
    end: int


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
    taken: list[tuple[int, int]] = []
    for pattern in _PATTERNS:
        for match in pattern.finditer(text):
            if any(match.start() < e and s < match.end() for s, e in taken):
                continue
            groups = match.groupdict()
            value = _build(groups["d"], groups.get("mon") or groups["m"], groups["y"])
            if value is not None:
                found.append(FoundDate(value, match.start(), match.end()))
                taken.append((match.start(), match.end()))
    return sorted(found, key=lambda f: f.start)


def parse_date(text: str) -> date | None:
    """Parse a string that is one date (surrounding spaces allowed); None otherwise."""
    if not isinstance(text, str) or len(text) > 60:
        return None
    stripped = text.strip()
    for found in find_dates(stripped):
        if found.start == 0 and found.end == len(stripped):
            return found.value
    return None
