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

from .codes import digits_for_vat

_NUMBER = re.compile(
    r"(?<![\w-])(?P<prefix>GB|XI)?[ :.-]{0,4}(?P<a>\d{3})[ .-]{0,4}(?P<b>\d{4})[ .-]{0,4}(?P<c>\d{2})"
    r"(?:[ .-]?(?P<branch>\d{3}))?(?![\w-])",
    re.IGNORECASE,
)
# Government departments (GD000-GD499) and health authorities (HA500-HA999): no check digits, rare.
_AUTHORITY = re.compile(r"(?<![\w-])(?P<prefix>GB)?[ :.]{0,3}(?P<a>GD|HA)[ ]?(?P<b>\d{3})(?![\w-])", re.IGNORECASE)
# "VAT", "V.A.T.", "V A T" (OCR splits letters of a spaced label).
_LABEL = re.compile(r"\bV[ .]?A[ .]?T\b\.?", re.IGNORECASE)
# OCR reads the GB prefix as G8 / 6B / C8 now and then.
_PREFIX_SLIPS = ("GB", "G8", "6B", "C8", "GE")


@dataclass(frozen=True)
class VatNumber:
    compact: str  # digits only, no prefix
    valid: bool
    printed: str  # as it appeared
    start: int = 0  # where in its line
    end: int = 0
    repaired: bool = False  # OCR look-alikes were read as digits (accepted only because the result validates)


def _candidates(line: str) -> list[tuple[str, re.Match, bool]]:
    """(digits, match, has_prefix) for each number-shaped run in ``line``."""
    out = []
    for match in _NUMBER.finditer(line):
        digits = match.group("a") + match.group("b") + match.group("c") + (match.group("branch") or "")
        out.append((digits, match, bool(match.group("prefix"))))
    for match in _AUTHORITY.finditer(line):
        out.append((match.group("a").upper() + match.group("b"), match, bool(match.group("prefix"))))
    return sorted(out, key=lambda c: c[1].start())


def _fixed(line: str, *, labelled: bool) -> str:
    """Digit-shaped tokens with OCR look-alikes read as digits, position for position (same length).

    After a VAT label every digit-shaped token is read so; elsewhere only a token with a GB prefix.
    Whether the reading is kept is decided by the check digits (``find_vat_numbers``).
    """
    match = _LABEL.search(line) if labelled else None
    start = match.end() if match else 0
    tokens = re.split(r"(\s+)", line[start:])
    for i, token in enumerate(tokens):
        # a slip of the prefix ("G8", "6B") only when it stands alone or before a whole number: "6B00" is digits
        has_prefix = token[:2].upper() == "GB" or (token[:2].upper() in _PREFIX_SLIPS and len(token) in (2, 11, 14))
        prefix, body = ("GB", token[2:]) if has_prefix else ("", token)
        if not (labelled or (has_prefix and (len(body) >= 7 or not body))):
            continue
        edge = re.match(r"^([^\w$|]*)(.*?)([^\w$|]*)$", body)
        lead, core, tail = edge.groups() if edge else ("", body, "")
        fixed = digits_for_vat(core)
        if fixed is not None and len(core) >= 2:
            tokens[i] = prefix + lead + fixed + tail
        elif has_prefix and (core.isdigit() or not body):
            tokens[i] = prefix + body
    return line[:start] + "".join(tokens)


def find_vat_numbers(text: str, *, after_label: bool = False) -> list[VatNumber]:
    """VAT numbers in ``text``, in order; each appears once (the first time).

    ``after_label``: the line before was a bare "VAT Reg No:" label (value printed under its label), so
    the first line of ``text`` counts as labelled.

    A reading with OCR look-alikes (``98O 78O6 84``) is accepted only when the repaired number passes
    the check digits: the read one cannot (it has letters), so the checksum is the referee, not a guess.
    A repaired number that fails is reported as invalid, the same as a printed one that fails.
    """
    seen: set[str] = set()
    found: list[VatNumber] = []
    for n, line in enumerate(text.splitlines()):
        labelled = bool(_LABEL.search(line)) or (after_label and n == 0)
        fixed = _fixed(line, labelled=labelled)
        for digits, match, has_prefix in _candidates(fixed):
            if not (labelled or has_prefix) or digits in seen:
                continue
            seen.add(digits)
            printed = line[match.start() : match.end()].strip()
            repaired = printed != match.group(0).strip()
            valid = gb_vat.is_valid(digits)
            if not valid and len(digits) == 12 and gb_vat.is_valid(digits[:9]):
                digits, valid = digits[:9], True  # a trailing 3-digit run that was not a branch
            found.append(VatNumber(digits, valid, printed, match.start(), match.end(), repaired and valid))
    return found


def is_bare_label(text: str) -> bool:
    """A line that is only a VAT number label ("VAT Registration No:"), its value printed on the next line."""
    match = _LABEL.search(text)
    if not match:
        return False
    rest = re.sub(r"(?i)\b(reg(istration|istered|\.)?|no\.?|number|num|#|:|\.)", " ", text[match.end() :])
    return not rest.strip() and not re.search(r"\d", text)


def normalise_vat_number(value: str) -> str | None:
    """'GB 980 7806 84' -> '980780684' when valid, else None."""
    if not isinstance(value, str):
        return None
    try:
        return gb_vat.validate(value)
    except Exception:  # stdnum raises its own ValidationError family
        return None
