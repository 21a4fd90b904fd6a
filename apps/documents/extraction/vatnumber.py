"""Finding UK VAT registration numbers and checking their check digits with stdnum.

Why the label matters: invoices are full of 9-digit runs (phone numbers,
account references). A number counts when it carries the GB prefix or sits
on a line that says "VAT". Valid numbers are returned compact (9 digits, or
12 with a branch), without the GB prefix; a number whose check digits fail
is reported separately so that the reader can warn instead of guessing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum.gb import vat as gb_vat

_NUMBER = re.compile(
    r"(?<![\w-])(?P<prefix>GB|XI)?[ :.]{0,4}(?P<a>\d{3})[ .-]{0,4}(?P<b>\d{4})[ .-]{0,4}(?P<c>\d{2})"
    r"(?:[ .-]?(?P<branch>\d{3}))?(?![\w-])",
    re.IGNORECASE,
)
_LABEL = re.compile(r"\bV\.?A\.?T\b", re.IGNORECASE)
_DIGIT_FIXES = str.maketrans({"O": "0", "o": "0", "D": "0", "I": "1", "l": "1", "|": "1", "S": "5", "B": "8"})


@dataclass(frozen=True)
class VatNumber:
    compact: str  # digits only, no prefix
    valid: bool
    printed: str  # as it appeared
    start: int = 0  # where in its line
    end: int = 0


def _candidates(line: str) -> list[tuple[str, re.Match, bool]]:
    """(digits, match, has_prefix) for each number-shaped run in ``line``."""
    out = []
    for match in _NUMBER.finditer(line):
        digits = match.group("a") + match.group("b") + match.group("c") + (match.group("branch") or "")
        out.append((digits, match, bool(match.group("prefix"))))
    return out


def _fixed(line: str) -> str:
    """After a VAT label, letters that OCR confuses with digits, inside runs of digits, become digits."""
    match = _LABEL.search(line)
    if not match:
        return line
    tokens = re.split(r"(\s+)", line[match.end() :])
    for i, token in enumerate(tokens):
        prefix, body = ("GB", token[2:]) if token[:2].upper() in ("GB", "G8", "6B") else ("", token)
        if sum(c.isdigit() for c in body) >= 2 and all(c.isdigit() or c in "OoDIl|SB" for c in body):
            tokens[i] = prefix + body.translate(_DIGIT_FIXES)
    return line[: match.end()] + "".join(tokens)


def find_vat_numbers(text: str) -> list[VatNumber]:
    """VAT numbers in ``text``, in order; each appears once (the first time)."""
    seen: set[str] = set()
    found: list[VatNumber] = []
    for line in text.splitlines():
        labelled = bool(_LABEL.search(line))
        for digits, match, has_prefix in _candidates(_fixed(line) if labelled else line):
            if not (labelled or has_prefix) or digits in seen:
                continue
            seen.add(digits)
            valid = gb_vat.is_valid(digits)
            if not valid and len(digits) == 12 and gb_vat.is_valid(digits[:9]):
                digits, valid = digits[:9], True  # a trailing 3-digit run that was not a branch
            found.append(VatNumber(digits, valid, match.group(0).strip(), match.start(), match.end()))
    return found


def normalise_vat_number(value: str) -> str | None:
    """'GB 980 7806 84' -> '980780684' when valid, else None."""
    if not isinstance(value, str):
        return None
    try:
        return gb_vat.validate(value)
    except Exception:  # stdnum raises its own ValidationError family
        return None
