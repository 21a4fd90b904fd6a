"""Who issued the document and who is billed: a sale of ours or a purchase, decided from evidence.

Why evidence and not a name alone: a supplier whose name resembles the
business's ("Brightwater Energy Ltd" for "Brightwater Joinery Ltd") must not
turn a bill into a sale: that puts the supplier's VAT in box 1 instead of box 4.
A document is a sale only when its issuer's name is the business's (same
distinctive words), and nothing on it says otherwise: the business named in
the "Bill to"/"Invoice to" block, or a VAT or company number that is not the
business's where the business's own is missing. Such a conflict is not
guessed: it becomes a doubt, in words, that sends the document to review.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from .text import TextLine, clean_value, normalise_name, same_name

# "Bill to:", "Invoice to:", "Billed to", "Sold to", "Customer:" (not a bare "To:", which letters use for anyone).
_BILLED_LABEL = re.compile(
    r"^(bill(?:ed)?\s*to|invoice\s*to|sold\s*to|customer(?:\s*name)?)\b\s*[:.]?\s*(?P<rest>.*)$", re.IGNORECASE
)
_COMPANY_LINE = re.compile(r"\b(company|registered|reg\.?)\b", re.IGNORECASE)
_COMPANY_NUMBER = re.compile(r"\b((?:[A-Z]{2})?\d{6,8})\b")
NEAR = 0.8  # names this alike as strings (but with a different distinctive word) may be an OCR slip of ours


def _alike(a: str, b: str) -> bool:
    return SequenceMatcher(None, normalise_name(a), normalise_name(b)).ratio() >= NEAR


@dataclass(frozen=True)
class Business:
    """What identifies the business the documents belong to (compact VAT numbers, upper-case company numbers)."""

    names: tuple[str, ...] = ()
    vat_numbers: tuple[str, ...] = ()
    company_numbers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Direction:
    sale: bool  # the business issued it
    confidence: float
    doubt: str = ""  # conflicting evidence, in words ("" when there is none)


def billed_names(lines: Sequence[TextLine]) -> list[str]:
    """Names printed in a "Bill to"/"Invoice to" block of page one (the label's line, else the next line)."""
    page_one = [line for line in lines if line.page == 1]
    found: list[str] = []
    for i, line in enumerate(page_one):
        for segment in line.segments():
            match = _BILLED_LABEL.match(segment)
            if not match:
                continue
            rest = clean_value(match.group("rest"))
            if not rest and i + 1 < len(page_one) and page_one[i + 1].segments():
                rest = clean_value(page_one[i + 1].segments()[0])
            if rest:
                found.append(rest)
    return found


def company_numbers(lines: Sequence[TextLine]) -> set[str]:
    """Company registration numbers printed on lines that say "company" or "registered"."""
    out: set[str] = set()
    for line in lines:
        if _COMPANY_LINE.search(line.text):
            out.update(n.upper() for n in _COMPANY_NUMBER.findall(line.text) if sum(c.isdigit() for c in n) >= 6)
    return out


def decide(lines: Sequence[TextLine], issuer: str | None, vat_numbers: Sequence[str], us: Business) -> Direction:
    """Sale or purchase, from the issuer's name, the billed party, and the VAT and company numbers printed."""
    if not issuer:
        return Direction(sale=False, confidence=1.0)
    ours = set(us.vat_numbers)
    our_vat = any(n in ours for n in vat_numbers)
    other_vat = [n for n in vat_numbers if n not in ours]
    printed_companies = company_numbers(lines)
    our_company = bool(printed_companies & set(us.company_numbers))
    other_company = sorted(printed_companies - set(us.company_numbers))
    billed_to_us = any(same_name(billed, name) for billed in billed_names(lines) for name in us.names)
    if not any(same_name(issuer, name) for name in us.names):
        if (our_vat or our_company) and not billed_to_us and any(_alike(issuer, name) for name in us.names):
            # Perhaps our own invoice with the name misread (OCR): not posted as a purchase unseen.
            return Direction(False, 0.5, (
                f"The issuer's name ({issuer}) is close to your business's name and the document carries your "
                "own VAT or company number: check whether you issued it."
            ))  # fmt: skip
        return Direction(sale=False, confidence=1.0)
    if billed_to_us:
        return Direction(False, 0.5, (
            f"The document is headed with your business's name ({issuer}) but is also billed to your business: "
            "check whether you issued it or were charged by it."
        ))  # fmt: skip
    if other_vat and ours and not our_vat:
        return Direction(False, 0.5, (
            f"The document is headed with your business's name ({issuer}), but the VAT number on it "
            f"({other_vat[0]}) is not yours: check who issued it before it is posted as a sale or a purchase."
        ))  # fmt: skip
    if other_company and us.company_numbers and not our_company:
        return Direction(False, 0.5, (
            f"The document is headed with your business's name ({issuer}), but the company number on it "
            f"({other_company[0]}) is not yours: check who issued it before it is posted as a sale or a purchase."
        ))  # fmt: skip
    return Direction(sale=True, confidence=0.95 if our_vat or our_company else 0.9)
