"""Net, VAT and gross totals, and the VAT breakdown by rate, from the labelled lines of a document.

Why candidates and a consistency search: a document prints several totals
("Subtotal", "VAT @ 20%", "Total Due", a VAT summary, a till's VAT analysis),
OCR may garble one of them, and the labels differ between suppliers. We
collect every labelled candidate and prefer the combination where
net + VAT = gross, so one misread figure does not silently win.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from itertools import product

from apps.ledger.extraction import EXEMPT_RATE

from .money import Amount, find_amounts, split_reading, to_money
from .text import TextLine

ZERO = Decimal("0.00")
REPAIRED = 0.85  # a figure read by shape repair ("13:40" for 13.40) keeps 85% of its confidence
ALTERNATIVE = 0.6  # another reading of a repaired print: chosen only when the arithmetic prefers it
RATE_TOKEN = re.compile(r"(?<![\d.])(\d[\dO]?(?:[.,][\dO]{1,2})?)\s?%")  # "20%", "20.0%", OCR's "2O.O%"
EXEMPT_WORDS = re.compile(
    r"\b(exempt|outside\s*(?:the\s*)?scope|no\s*vat(?:\s*(?:is\s*)?charged)?|vat\s*free|non-?\s*vat(?:able)?|"
    r"not\s*subject\s*to\s*vat)\b",
    re.IGNORECASE,
)
# "Disbursements (no VAT)", "Postage - VAT free": a net outside VAT, whatever the words before it
NO_VAT_TAIL = re.compile(
    r"\(?\s*\b(?:no\s*vat|vat\s*free|non-?\s*vat(?:able)?|not\s*subject\s*to\s*vat|outside\s*(?:the\s*)?scope"
    r"(?:\s*of\s*vat)?)\b\s*\)?\W*$",
    re.IGNORECASE,
)
VAT_TABLE = re.compile(
    r"\bvat\b.{0,60}?\b(net|rate|summary|analysis|code|goods)\b|\b(net|rate|summary|analysis|code|goods)\b.{0,60}?\bvat\b",
    re.I,
)
# VAT charged but not itemised ("Total inc VAT", "VAT included"): VAT is not zero, whatever else is unreadable
VAT_INCLUDED = re.compile(r"\b(inc(l)?(uding|\.)?|inclusive\s*of)\s*vat\b|\bvat\s*(included|inclusive|incl)\b", re.I)
SKIP = re.compile(
    r"carried\s*forward|brought\s*forward|page\s*total|\bc/f\b|\bb/f\b|\bcard\b|\bcash\b|\bchange\b|\bpaid\b|"
    r"payment|tendered|contactless|savings|discount|deposit|points|previous\s*balance|\bvisa\b|mastercard|maestro|"
    r"\bamex\b|\bdebit\b|\bcheque\b|\bbacs\b",
    re.IGNORECASE,
)
_NET = re.compile(
    r"\b(ex(cl)?(uding|\.)?|before|exclusive\s*of|without|less)\s*(vat|tax)\b|\bnet\b|sub-?\s*total|\bgoods\b|"
    r"total\s*fees|zero-?\s*rated|exempt|total\s*premium",
    re.IGNORECASE,
)
_GROSS_VAT = re.compile(r"\b(inc(l)?(uding|\.)?|inclusive\s*of|with|after)\s*(vat|tax)\b", re.IGNORECASE)
_VAT = re.compile(r"\bvat\b|\btax\b(?!\s*(?:point|date|invoice|code))|\bv\.a\.t\b", re.IGNORECASE)
_GROSS = re.compile(
    r"\btotal\b|amount\s*(due|payable|owing)|balance\s*(due|to\s*pay|payable)|to\s*pay|\bdue\b", re.IGNORECASE
)
_STRONG_GROSS = re.compile(r"total\s*(due|credit|payable|to\s*pay)|amount\s*due|grand|balance\s*due|inc", re.IGNORECASE)
VOCABULARY = frozenset([
    "total", "sub", "subtotal", "sub-total", "net", "vat", "gross", "amount", "due", "balance", "to", "pay",
    "payable", "grand", "inc", "incl", "including", "excl", "ex", "excluding", "exclusive", "inclusive", "of",
    "before", "after", "at", "on", "rate", "standard", "reduced", "zero", "zero-rated", "rated", "exempt", "from",
    "invoice", "credit", "fees", "premium", "the", "goods", "services", "sum", "owing", "outstanding", "now",
    "summary", "analysis", "code", "less", "plus", "outside", "scope", "gbp", "eur", "and", "for", "this", "bill",
    "final", "charges", "value", "added", "tax",
])  # fmt: skip


@dataclass(frozen=True)
class Candidate:
    kind: str  # net, vat, gross
    value: Decimal  # magnitude
    line: TextLine
    strength: float
    confidence: float = 1.0  # of the OCR words that printed the value (lowered when repaired by shape)
    alternative: bool = False  # another reading of a repaired print, kept for the arithmetic to referee


@dataclass(frozen=True)
class RateRow:
    rate: Decimal  # percent, or EXEMPT_RATE
    net: Decimal | None
    vat: Decimal | None
    line: TextLine
    code: str | None = None
    gross_based: bool = False  # a till's analysis: the rate's gross was printed too
    confidence: float = 1.0  # of the OCR words that printed the figures
    alternatives: tuple[Decimal, ...] = ()  # other readings of a repaired VAT figure


@dataclass
class Totals:
    candidates: list[Candidate] = field(default_factory=list)
    rate_vats: list[RateRow] = field(default_factory=list)  # "VAT @ 20%  £26.36"
    rows: list[RateRow] = field(default_factory=list)  # VAT summary / analysis rows
    codes: dict[str, Decimal] = field(default_factory=dict)  # till codes: "A" -> 20
    first_total_index: int | None = None  # where the totals block starts (items stop there)
    exempt_mentioned: bool = False
    vat_mentioned: bool = False  # "VAT" on a line with an amount
    vat_unread: list[Decimal] = field(default_factory=list)  # rates of VAT lines whose amount could not be read
    vat_included: bool = False  # "Total inc VAT", "VAT included": VAT was charged
    vat_table: bool = False  # a VAT summary's heading ("VAT  Rate  Net  VAT"), read or not

    def vat_signalled(self) -> bool:
        """Something on the page says VAT was charged, even if no VAT figure could be read."""
        charged_codes = any(r != EXEMPT_RATE and r > 0 for r in self.codes.values())
        return bool(self.printed_rates()) or self.vat_included or self.vat_table or charged_codes

    def printed_rates(self) -> set[Decimal]:
        """The non-zero VAT rates printed on totals lines (read or not): VAT is not zero on this document."""
        rows = [*self.rate_vats, *self.rows]
        return {r.rate for r in rows if r.rate != EXEMPT_RATE and r.rate > 0} | set(self.vat_unread)


def rate_value(text: str) -> Decimal | None:
    """'20%' -> 20, '5.0%' -> 5, 'Exempt' -> EXEMPT_RATE, 'zero' -> 0."""
    match = RATE_TOKEN.search(text)
    if match:
        value = Decimal(match.group(1).replace("O", "0").replace(",", "."))
        return Decimal(int(value)) if value == int(value) else value
    lowered = text.lower()
    if EXEMPT_WORDS.search(lowered) or re.search(r"\b(exempt|outside)\b", lowered):
        return EXEMPT_RATE
    if re.search(r"\bzero\b", lowered):
        return Decimal(0)
    return None


def _label_words(label: str) -> list[str]:
    return re.findall(r"[a-z][a-z\-]*", label.lower())


def is_totals_label(label: str) -> bool:
    """Made of totals vocabulary (single letters are till codes; one short unknown word is OCR debris)."""
    unknown = [w for w in _label_words(RATE_TOKEN.sub(" ", label)) if w not in VOCABULARY and len(w) > 1]
    return len(label) <= 60 and (not unknown or (len(unknown) == 1 and len(unknown[0]) <= 3))


def classify(label: str) -> str | None:
    """'net', 'vat', 'gross', 'skip' (payments, carried forward) or None (not a total)."""
    worded = [s for s in re.split(r"\s{2,}", label.strip()) if re.search(r"[A-Za-z]{2}", s)]
    text = worded[-1] if worded else ""
    if SKIP.search(text):
        return "skip"
    if not text or not is_totals_label(text):
        return None
    if _GROSS_VAT.search(text):
        return "gross"
    if _NET.search(text):
        return "net"
    if _VAT.search(text):
        return "vat"
    if _GROSS.search(text):
        return "gross"
    return None


def _row_from_amounts(line: TextLine, label: str, amounts: list[Amount]) -> RateRow | None:
    """A VAT summary or till analysis row: [code] rate net vat [gross], amounts consistent with the rate."""
    values = [a.magnitude for a in amounts]
    if not is_totals_label(label) or len(values) < 2:
        return None
    code_match = re.match(r"^\s*([A-Z])\b(?!\s*[%.])", label)
    code = code_match.group(1) if code_match else None
    rate = rate_value(label)
    if rate is None and len(values) >= 4 and values[1] + values[2] == values[3]:
        values = values[1:]  # OCR read "20.0%" as "20.08": the first "amount" is the rate
    gross_based = len(values) >= 3 and values[0] + values[1] == values[2]
    net, vat = values[0], values[1]
    if rate is not None and (vat > net if rate > 0 else (net == 0 and vat > 0)):
        net, vat = vat, net  # a till that prints VAT before net
    if rate is None and net:
        ratio = vat / net * 100
        rate = next((Decimal(r) for r in (20, 5, 0) if abs(ratio - r) < Decimal("0.6")), None)
    if rate is None:
        return None
    expected = ZERO if rate in (EXEMPT_RATE, 0) else to_money(net * rate / 100)
    if abs(expected - vat) > Decimal("0.02") + net * Decimal("0.0005"):
        return None
    start, end = amounts[0].start, amounts[-1].end
    return RateRow(rate, net, vat, line, code, gross_based, line.confidence_at(start, end))


def find_totals(lines: Sequence[TextLine]) -> Totals:
    totals = Totals()
    for line in lines:
        if EXEMPT_WORDS.search(line.text):
            totals.exempt_mentioned = True
        if VAT_INCLUDED.search(line.text):
            totals.vat_included = True
        if VAT_TABLE.search(line.text) and not find_amounts(line.text):
            totals.vat_table = True
        for code, phrase in re.findall(r"\b([A-Z])\s*=\s*([^,;]+)", line.text):
            if (rate := rate_value(phrase)) is not None:
                totals.codes[code] = rate
        amounts = find_amounts(line.text)
        if not amounts:
            amounts = _repaired_total(line, totals)
        if not amounts:
            continue
        if _VAT.search(line.text):
            totals.vat_mentioned = True  # VAT next to an amount (not just "VAT No:")
        label = line.text[: amounts[0].start]
        if len(amounts) >= 2 and (row := _row_from_amounts(line, label, amounts)) is not None:
            totals.rows.append(row)
            if row.code:
                totals.codes.setdefault(row.code, row.rate)
            totals.first_total_index = _first(totals.first_total_index, line.index)
            continue
        kind = "vat" if NO_VAT_TAIL.search(label) and len(amounts) == 1 else classify(label)
        printed = rate_value(label) if kind != "vat" and RATE_TOKEN.search(label) and is_totals_label(label) else None
        if printed is not None and printed != EXEMPT_RATE and printed > 0:
            totals.vat_unread.append(printed)  # a VAT summary row that does not add up: VAT unknown, not zero
        rate = rate_value(label) if kind == "vat" else None
        if kind == "vat" and rate is not None:
            last = amounts[-1]
            confidence = line.confidence_at(last.start, last.end) * (REPAIRED if last.ocr_fixed else 1.0)
            if rate == EXEMPT_RATE:  # "Disbursements (no VAT)  £45.00": a net outside VAT, not a VAT figure
                totals.rate_vats.append(RateRow(rate, last.magnitude, ZERO, line, confidence=confidence))
                totals.first_total_index = _first(totals.first_total_index, line.index)
                continue
            base = amounts[0].magnitude if len(amounts) >= 2 else None  # "VAT @ 20% on £500.00  £100.00"
            if base is not None and abs(to_money(base * rate / 100) - last.magnitude) > Decimal("0.02"):
                base = None
            totals.rate_vats.append(
                RateRow(rate, base, last.magnitude, line, confidence=confidence, alternatives=last.alternatives)
            )
            totals.first_total_index = _first(totals.first_total_index, line.index)
            continue
        previous_end = 0
        for amount in amounts:
            piece = line.text[previous_end : amount.start]
            previous_end = amount.end
            kind = classify(piece)
            if kind in ("net", "vat", "gross"):
                strength = 1.0 if kind != "gross" or _STRONG_GROSS.search(piece) else 0.9
                confidence = line.confidence_at(amount.start, amount.end) * (REPAIRED if amount.ocr_fixed else 1.0)
                totals.candidates.append(Candidate(kind, amount.magnitude, line, strength, confidence))
                split = split_reading(line.text, amount)
                for other in (*amount.alternatives, *([split] if split is not None else [])):
                    totals.candidates.append(
                        Candidate(kind, other, line, strength * ALTERNATIVE, confidence * ALTERNATIVE, True)
                    )
                totals.first_total_index = _first(totals.first_total_index, line.index)
    if totals.rows:  # a VAT summary and a separate "(no VAT)" line: one breakdown
        known = {r.rate for r in totals.rows}
        moved = [r for r in totals.rate_vats if r.rate == EXEMPT_RATE and r.rate not in known]
        totals.rows.extend(moved)
        totals.rate_vats = [r for r in totals.rate_vats if r not in moved]
    return totals


def _repaired_total(line: TextLine, totals: Totals) -> list[Amount]:
    """The last figure of a labelled totals line the strict reading found none on ("VAT @ 20%  13:40").

    A VAT line with a non-zero rate and no readable figure at all is recorded in ``vat_unread``: its VAT is
    unknown, never zero.
    """
    if len(line.text) > 200:
        return []  # no totals line is this long (labels are at most 60 characters)
    loose = find_amounts(line.text, repair=True)
    if loose:
        return loose[-1:] if classify(line.text[: loose[-1].start]) in ("net", "vat", "gross") else []
    segments = line.segments()
    for k in range(len(segments), max(0, len(segments) - 3), -1):  # "VAT @ 20%   ZO.OO%": label, garbled figure
        label = "  ".join(segments[:k])
        if classify(label) == "vat":
            rate = rate_value(label)
            if rate is not None and rate != EXEMPT_RATE and rate > 0:
                totals.vat_unread.append(rate)
                totals.first_total_index = _first(totals.first_total_index, line.index)
            break
    return []


def _first(current: int | None, index: int) -> int:
    return index if current is None else min(current, index)


@dataclass(frozen=True)
class Chosen:
    net: Candidate | None
    vat: Candidate | None
    gross: Candidate | None
    consistent: bool


def choose(totals: Totals) -> Chosen:
    """The (net, vat, gross) candidates that agree, preferring strong labels and the latest gross."""
    nets = [c for c in totals.candidates if c.kind == "net"]
    vats = [c for c in totals.candidates if c.kind == "vat"]
    grosses = [c for c in totals.candidates if c.kind == "gross"]
    if totals.rate_vats and (line := totals.rate_vats[-1].line):
        rows = _unique_rates(totals.rate_vats)
        summed = sum((r.vat for r in rows), ZERO)
        vats.append(Candidate("vat", summed, line, 0.95, min(r.confidence for r in rows)))
        if len(rows) == 1:
            vats.extend(
                Candidate("vat", other, line, 0.95 * ALTERNATIVE, rows[0].confidence * ALTERNATIVE, True)
                for other in rows[0].alternatives
            )
    if totals.rows:
        rows = unique_rows(totals.rows)
        confidence = min(r.confidence for r in rows)
        nets.append(Candidate("net", sum((r.net or ZERO for r in rows), ZERO), rows[-1].line, 0.9, confidence))
        vats.append(Candidate("vat", sum((r.vat or ZERO for r in rows), ZERO), rows[-1].line, 0.9, confidence))
    outside = sum((r.net or ZERO for r in _unique_rates(totals.rate_vats) if r.rate == EXEMPT_RATE), ZERO)
    if outside:  # "Subtotal" of the taxable part beside "Disbursements (no VAT)": the net is both
        nets.extend(replace(n, value=n.value + outside, strength=n.strength * 0.95) for n in list(nets))
    rates = totals.printed_rates()
    best: tuple[float, Chosen] | None = None
    for n, v, g in product(nets or [None], vats or [None], grosses or [None]):
        parts = [x for x in (n, v, g) if x is not None]
        if not parts:
            continue
        consistent = n is not None and v is not None and g is not None and n.value + v.value == g.value
        fits = n is not None and v is not None and rate_fits(n.value, v.value, rates)
        score = (
            sum(x.strength for x in parts) + (3 if consistent else 0) + (1 if fits else 0)
            + (g.line.index / 1e6 if g else 0)
        )  # fmt: skip
        if best is None or score > best[0]:
            best = (score, Chosen(n, v, g, consistent))
    chosen = best[1] if best else Chosen(None, None, None, False)
    if chosen.vat is not None and chosen.vat.alternative and len(rows := _unique_rates(totals.rate_vats)) == 1:
        # the arithmetic preferred another reading of the "VAT @ rate" figure: the breakdown uses it too
        totals.rate_vats = [replace(rows[0], vat=chosen.vat.value, alternatives=())]
    return chosen


def rate_fits(net: Decimal, vat: Decimal, rates: set[Decimal]) -> bool:
    """VAT is the one printed rate of net, within rounding (1p, plus 0.05% of net for per-line rounding)."""
    if len(rates) != 1 or net <= 0:
        return False
    (rate,) = rates
    return abs(to_money(net * rate / 100) - vat) <= Decimal("0.01") + net * Decimal("0.0005")


def _unique_rates(rows: Sequence[RateRow]) -> list[RateRow]:
    seen: dict[Decimal, RateRow] = {}
    for row in rows:
        seen.setdefault(row.rate, row)
    return list(seen.values())


def unique_rows(rows: Sequence[RateRow]) -> list[RateRow]:
    return _unique_rates(rows)
