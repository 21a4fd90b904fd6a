"""Repairing printed codes (document numbers, VAT numbers) by their shape after OCR.

Why shape and not a dictionary: OCR swaps look-alike letters and digits (O/0, I/l/1, S/$/5, B/8, Z/2),
and which one is right follows from where the character sits in the code. A run of digits with one
``O`` inside is a run of digits; the letters of a prefix (``INV-``, ``SI/``) stay letters, and a known
prefix read with a digit in it (``1NV``) is read back as letters. A repair only swaps look-alikes, never
invents or drops a character, and it says that it repaired, so the caller can lower its confidence (a
VAT number has its check digits as a referee instead: vatnumber.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Letters (and signs) that OCR prints for a digit, inside a document number: only the unmistakable ones
# (a D or a Q inside a code such as PX3D5292 is as likely a real letter).
TO_DIGIT = {"O": "0", "o": "0", "I": "1", "l": "1", "|": "1", "i": "1", "S": "5", "s": "5", "$": "5", "B": "8",
            "Z": "2", "z": "2"}  # fmt: skip
# In a VAT number every character is a digit and the check digits referee, so D and Q count too.
VAT_TO_DIGIT = {**TO_DIGIT, "D": "0", "Q": "0"}
# Digits that OCR prints for a letter (only used to recognise a known prefix).
TO_LETTER = {"0": "O", "1": "I", "l": "I", "|": "I", "5": "S", "$": "S", "8": "B", "2": "Z", "6": "G"}
# Only these look-alikes are read as digits at the end of a digit run: a trailing B or S is often a real
# suffix letter ("10042B"), a trailing O or I almost never is.
_TRAILING = frozenset("OoIl|")
# Prefixes that document numbers start with in UK bookkeeping systems (Sage, Xero, QuickBooks, tills).
KNOWN_PREFIXES = ("INVOICE", "RCPT", "BILL", "INV", "ORD", "REC", "RCT", "REF", "DOC", "TXN", "TRN", "CRN", "SIN",
                  "SI", "PI", "CN", "CR", "SO", "IN")  # fmt: skip
_SEPARATOR = re.compile(r"([-/._\s])")


@dataclass(frozen=True)
class Repaired:
    value: str
    repaired: bool  # True when at least one look-alike was swapped


def _is_digitish(c: str) -> bool:
    return c.isdigit() or c in TO_DIGIT


def _known_prefix(token: str, *, whole_part: bool = False) -> tuple[str, str] | None:
    """(prefix as letters, rest) when ``token`` starts with a known prefix, possibly misread with digits.

    ``whole_part``: the token is all that comes before a "/" (``SI/2026/0042``), where a short prefix
    misread with a digit (``$1/``, ``5I/``) is still unmistakable."""
    for prefix in KNOWN_PREFIXES:
        head, rest = token[: len(prefix)], token[len(prefix) :]
        if len(head) < len(prefix) or not any(c.isalpha() for c in head):
            continue
        as_letters = "".join(TO_LETTER.get(c, c) for c in head).upper()
        # the rest must be the number part (a digit or a look-alike of one), or nothing at all
        if as_letters != prefix or not (not rest or rest[0].isdigit() or (rest[0] in TO_DIGIT and _digit_run(rest))):
            continue
        if head.upper() == prefix:
            return head, rest
        # a misread prefix is read back only when it is long enough to be unmistakable ("1NV", not "S1")
        if (len(prefix) >= 3 and sum(c.isalpha() for c in head) >= 2) or (whole_part and not rest):
            return as_letters, rest
    return None


def _digit_run(text: str) -> bool:
    """True when ``text`` reads as digits with few look-alikes: at least two real digits and more digits
    than look-alikes (a word such as ``SOLD`` is never a number)."""
    digits = sum(c.isdigit() for c in text)
    alikes = sum(c in TO_DIGIT for c in text)
    return all(_is_digitish(c) for c in text) and digits >= 2 and alikes <= max(1, digits // 3)


def _as_digits(run: str) -> str:
    """Look-alikes inside (or leading) a digit run become digits; trailing ones only when never a suffix."""
    out = list(run)
    last_digit = max(i for i, c in enumerate(run) if c.isdigit())
    for i, c in enumerate(run):
        if c in TO_DIGIT and (i < last_digit or c in _TRAILING):
            out[i] = TO_DIGIT[c]
    return "".join(out)


def _repair_token(token: str, *, first: bool, whole_part: bool = False) -> str:
    if not token:
        return token
    prefix, rest = "", token
    known = _known_prefix(token, whole_part=whole_part) if first else None
    if known:
        prefix, rest = known
    elif first and token[0] == "$":
        prefix, rest = "S", token[1:]  # a document number never starts with a dollar sign; OCR reads S as $
        known_rest = _known_prefix(prefix + rest, whole_part=whole_part)
        if known_rest:
            prefix, rest = known_rest
    else:
        # Leading letters are a prefix and stay letters; after a separator a leading run of O is zeros
        # ("SI/2026/OO42"): no code has a part that starts with the letter O followed by digits.
        lead = re.match(r"[A-Za-z]*", token).group(0)
        rest = token[len(lead) :]
        if not first and lead and set(lead) <= {"O", "o"} and rest and (rest.isdigit() or _digit_run(rest)):
            lead = "0" * len(lead)  # zero padding read as letters
        prefix = lead
    if rest and _digit_run(rest):
        rest = _as_digits(rest)
    return prefix + rest


def repair_code(value: str) -> Repaired:
    """``value`` with OCR look-alikes swapped where the code's shape says which character it must be."""
    parts = _SEPARATOR.split(value)
    whole_part = len(parts) > 2 and parts[1] == "/" and bool(re.fullmatch(r"[\d/]+", "".join(parts[2:])))
    out = [part if i % 2 else _repair_token(part, first=i == 0, whole_part=whole_part) for i, part in enumerate(parts)]
    repaired = "".join(out)
    return Repaired(repaired, repaired != value)


def digits_for_vat(token: str) -> str | None:
    """The digits a VAT-number group was meant to be ("98O" -> "980"), or None if it is not digit-shaped."""
    if not token or not all(c.isdigit() or c in VAT_TO_DIGIT for c in token) or not any(c.isdigit() for c in token):
        return None
    return "".join(VAT_TO_DIGIT.get(c, c) for c in token)
