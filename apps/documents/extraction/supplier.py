"""Who issued the document: the issuer's name, cross-checked with the rest of the document and with the
business's history (which supplier owns a VAT number, from earlier documents and rules).

Why confidence comes from evidence, not from a "Ltd": many sole traders and brands have no legal
suffix, and a suffix does not make a line the issuer (the customer's name has one too). A name is surer
when the document says it twice (letterhead and footer, "cheques payable to", its e-mail or web domain)
and surest when the VAT number, whose check digits passed, is one this business has already seen under
that name. The suffix only helps choose among the top lines (a tagline above the company's name).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from apps.ledger.extraction import Extracted

from .direction import billed_names
from .text import TextLine, clean_value, distinctive_words, same_name

FROM, FIRST, LATER = 0.95, 0.9, 0.8  # a "From:" label; the first name-like top line; a later one
KNOWN = 0.97  # the name this business has on record for the document's (valid) VAT number
TITLE_WORDS = {
    "invoice", "tax", "vat", "receipt", "sales", "credit", "note", "bill", "ticket", "electricity", "gas",
    "business", "rates", "statement", "copy", "original", "page", "proforma", "remittance", "advice", "of",
    "customer", "duplicate", "summary", "the", "thank", "you", "welcome", "to",
    "no", "number", "date", "ref", "reference", "account", "order", "your", "our", "total", "due", "tel", "phone",
}  # fmt: skip
COMPANY = re.compile(
    r"\b(ltd|limited|llp|plc|co|company|cafe|café|council|shop|stores?|services|partners|associates|sons|group|"
    r"trust|inc|gmbh|bakery|garage|station|surgery|hotel|pub)\b\.?$",
    re.IGNORECASE,
)
_CUSTOMER_START = ("bill", "invoice to", "invoiced to", "sold", "customer", "deliver", "ship", "charge to", "client")
_CUSTOMER_LABEL = re.compile(
    r"^(bill(?:ed)?\s*to|invoice(?:d)?\s*to|sold\s*to|customer(?:\s*name)?|client(?:\s*name)?|deliver(?:y)?\s*to|"
    r"ship\s*to|charge\s*to|to|for|fao|attn)\b",
    re.IGNORECASE,
)
FROM_LABEL = re.compile(
    r"^(from|supplier|issued\s*by|seller|vendor|company\s*name|sold\s*by)\s*[:.]\s*(?P<rest>.+)$", re.IGNORECASE
)
ITEM_HEADER = re.compile(r"\b(description|qty|quantity|details|item)\b", re.IGNORECASE)
_DOMAIN = re.compile(r"(?:@|www\.|https?://)(?:www\.)?(?P<name>[a-z0-9-]+)\.", re.IGNORECASE)
_PAYEE = re.compile(
    r"\b(payable\s*to|account\s*name|payee|thank\s*you\s*for\s*(?:shopping|choosing|your\s*custom)\s*(?:at|with)?|"
    r"registered\s*(?:in|office)|trading\s*as|t/a)\b",
    re.IGNORECASE,
)


_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b")
_STREET = re.compile(r"\b(street|road|lane|avenue|drive|crescent|terrace|wharf|way|close|place)\b", re.IGNORECASE)
_PREMISES = re.compile(r"\b(unit|suite|floor|po\s*box|industrial\s*estate)\b\W*\d", re.IGNORECASE)


def is_address(segment: str) -> bool:
    """An address line ("4 Bridge Street", "Unit 4, Canal Wharf", a postcode), not a business's name
    (a street word alone is not enough: "Thimble Lane Market Stall" is a name)."""
    if _POSTCODE.search(segment) or _PREMISES.search(segment):
        return True
    return bool(_STREET.search(segment)) and bool(re.match(r"\s*\d", segment))


def is_name_like(segment: str) -> bool:
    words = re.findall(r"[A-Za-z&']+", segment)
    if len(segment) < 3 or not words or sum(c.isdigit() for c in segment) >= 2 or is_address(segment):
        return False
    if any(c in segment for c in "@:/") or re.search(r"www\.|\.com|\.co\.uk|\.example", segment, re.IGNORECASE):
        return False
    return not all(w.lower() in TITLE_WORDS for w in words)


def top_lines(lines: Sequence[TextLine], limit: int = 14) -> list[TextLine]:
    """Page one's lines above the first customer block or item table: where a letterhead is."""
    out = []
    for line in lines:
        if line.page != 1 or len(out) >= limit:
            break
        first = line.segments()[0] if line.segments() else ""
        if _CUSTOMER_LABEL.match(first) and first.lower().startswith(_CUSTOMER_START):
            break
        if ITEM_HEADER.search(line.text) and len(line.segments()) >= 2:
            break
        out.append(line)
    return out


def supplier_name(
    lines: Sequence[TextLine], own_names: Sequence[str] = (), ours_printed: bool = True
) -> tuple[Extracted[str], TextLine | None]:
    """The issuer: a "From:" label, else a business-like line at the top of page one (not the customer's).

    A letter addressed to the business may print the business's name (the recipient block) before the
    sender's: when the name found is the business's own, the business's VAT number is not printed
    (``ours_printed`` False) and another business name stands among the top lines, that one is the sender.
    """
    for line in lines[:30]:
        match = FROM_LABEL.match(line.text.strip())
        if match and is_name_like(value := clean_value(match.group("rest"))):
            return Extracted(value, round(FROM * line.confidence_of(value), 3)), line
    billed = billed_names(lines)
    candidates: list[tuple[TextLine, str]] = []
    for line in top_lines(lines):
        for segment in line.segments():
            value = clean_value(segment)
            if is_name_like(value):
                candidates.append((line, value))
    if not candidates:
        return Extracted(), None
    # Choice: one with a business suffix among the first four (a tagline or a brand line may come first),
    # else the first. Repetition does not choose (an address repeats as often as a name does); it only
    # raises the confidence. A name printed as the billed party is chosen only as the first line
    # (direction.py then weighs it).
    first_four = candidates[:4]
    other = [not any(same_name(v, b) for b in billed) for _, v in first_four]
    position = next((i for i, (_, v) in enumerate(first_four) if other[i] and COMPANY.search(v)), 0)
    line, value = first_four[position]
    base = FIRST if position == 0 else LATER
    billed_to_others = any(not any(same_name(b, o) for o in own_names) for b in billed)
    if not ours_printed and not billed_to_others and any(same_name(value, own) for own in own_names):
        others = [
            (ln, v)
            for ln, v in first_four
            if not any(same_name(v, o) for o in own_names) and not any(same_name(v, b) for b in billed)
        ]
        if others:
            (line, value), base = others[0], LATER
    if corroborated(value, lines, line):
        base = confirmed(base)
    return Extracted(value, round(base * line.confidence_of(value), 3)), line


def confirmed(confidence: float) -> float:
    """A value an independent check agrees with keeps half of its doubt."""
    return round(1 - (1 - confidence) / 2, 3)


def _phrase(name: str) -> str:
    return " ".join(distinctive_words(name))


def corroborated(name: str, lines: Sequence[TextLine], where: TextLine | None) -> bool:
    """True when the document names the same business again elsewhere: on another line (a footer, "payable
    to", "registered in ..."), or as its e-mail or web domain."""
    phrase = _phrase(name)
    if not phrase:
        return False
    squashed = phrase.replace(" ", "")
    pattern = re.compile(rf"(?<![a-z0-9]){re.escape(phrase)}(?![a-z0-9])")
    for line in lines:
        for match in _DOMAIN.finditer(line.text):
            domain = match.group("name").lower().replace("-", "")
            if len(squashed) >= 4 and (
                domain == squashed
                or (domain.startswith(squashed) and len(squashed) >= 6)
                or (squashed.startswith(domain) and len(domain) >= 6)
            ):
                return True
        if where is not None and line.index == where.index:
            continue
        if len(phrase) >= 4 and pattern.search(" ".join(distinctive_words(line.text))):
            return True
    return False


def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, stopping early once it exceeds ``limit``."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def slip_of(read: str, known: str) -> bool:
    """True when ``read`` is ``known`` with OCR slips: the same distinctive words, each within one edit per
    five letters (so "Brightwater Energy" is never "Brightwater Joinery": that word differs by more)."""
    if same_name(read, known):
        return True
    a, b = distinctive_words(read), distinctive_words(known)
    if not a or len(a) != len(b):
        return False
    return all(x == y or _distance(x, y, len(y) // 5) <= len(y) // 5 for x, y in zip(a, b, strict=True))


def _mentioned(name: str, lines: Sequence[TextLine]) -> bool:
    """The document prints ``name`` (or an OCR slip of it) on some line, or as its domain."""
    if corroborated(name, lines, None):
        return True
    words = distinctive_words(name)
    for line in lines:
        for segment in line.segments():
            if len(distinctive_words(segment)) == len(words) and slip_of(clean_value(segment), name):
                return True
    return False


def reconcile(
    read: Extracted[str],
    read_line: TextLine | None,
    lines: Sequence[TextLine],
    vat_number: Extracted[str],
    known_suppliers: Mapping[str, str] | None,
) -> tuple[Extracted[str], str]:
    """The supplier's name checked against the name on record for its VAT number: (name, doubt or "").

    On record and the same business (OCR slips allowed): the recorded spelling, sure. Nothing read: the
    recorded name. A different name read: the recorded name is kept (the VAT number's check digits
    passed), and a doubt is raised only when the text really shows another business (the other name is
    labelled or printed twice) and never shows the recorded one.
    """
    if not known_suppliers or not vat_number.present:
        return read, ""
    known = known_suppliers.get(vat_number.value) or known_suppliers.get(vat_number.value[:9])
    if not known:
        return read, ""
    sure = round(KNOWN * min(1.0, vat_number.confidence / 0.95), 3)
    if not read.present:
        return Extracted(known, round(0.9 * sure, 3)), ""
    if slip_of(read.value, known):
        return Extracted(known, max(sure, read.confidence)), ""
    if _mentioned(known, lines):
        return Extracted(known, round(0.95 * sure, 3)), ""  # the top line was a brand or a tagline
    labelled = read_line is not None and bool(FROM_LABEL.match(read_line.text.strip()))
    if labelled or corroborated(read.value, lines, read_line):
        doubt = (
            f"The document is issued by \u201c{read.value}\u201d, but its VAT number belongs to "
            f"\u201c{known}\u201d on this business's earlier documents: check who the supplier is."
        )
        return Extracted(known, round(0.5 * sure, 3)), doubt
    return Extracted(known, round(0.85 * sure, 3)), ""
