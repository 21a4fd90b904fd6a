"""The document as the parsers see it: numbered text lines, each with its OCR confidence.

Why lines carry confidences: a field's confidence starts from how sure OCR was
of the words it came from (1.0 for a PDF's text layer), then is scaled by how
the value was found (a labelled value beats a guess). Runs of two or more
spaces are column gaps (both pypdf's layout mode and our OCR line builder
keep them), so ``segments`` splits a line into its columns.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

_GAP = re.compile(r"\s{2,}")


Word = tuple[int, int, float]  # (start, end, confidence) of one OCR word in its line


@dataclass(frozen=True)
class TextLine:
    text: str
    confidence: float  # in [0, 1]
    page: int  # 1-based
    index: int  # position in the whole document
    words: tuple[Word, ...] = ()  # OCR words; empty for a text layer

    @property
    def lower(self) -> str:
        return self.text.lower()

    def confidence_at(self, start: int, end: int) -> float:
        """Mean confidence of the OCR words that overlap text[start:end] (the line's, without word boxes)."""
        overlapping = [conf for s, e, conf in self.words if s < end and start < e]
        return sum(overlapping) / len(overlapping) if overlapping else self.confidence

    def confidence_of(self, value: str) -> float:
        """Confidence of the words that printed ``value`` (found in this line), else the line's."""
        start = self.text.find(value)
        return self.confidence if start < 0 else self.confidence_at(start, start + len(value))

    def segments(self) -> list[str]:
        return [s for s in _GAP.split(self.text.strip()) if s]


@dataclass(frozen=True)
class PageLines:
    """One page as read. ``confidences`` and ``words`` (OCR only) align with ``text.splitlines()``."""

    text: str
    confidence: float
    confidences: Sequence[float] | None = None
    words: Sequence[Sequence[Word]] | None = None


def build_lines(pages: Sequence[PageLines]) -> list[TextLine]:
    """Non-blank lines of all pages, in order, trailing spaces removed."""
    out: list[TextLine] = []
    for number, page in enumerate(pages, start=1):
        raw = page.text.splitlines()
        confs = list(page.confidences) if page.confidences is not None and len(page.confidences) == len(raw) else None
        words = list(page.words) if page.words is not None and len(page.words) == len(raw) else None
        for i, text in enumerate(raw):
            text = text.rstrip()
            if not text.strip():
                continue
            conf = confs[i] if confs is not None else page.confidence
            line_words = tuple(words[i]) if words is not None else ()
            out.append(TextLine(text, max(0.0, min(1.0, float(conf))), number, len(out), line_words))
    return out


_SUFFIXES = {"limited": "ltd", "ltd.": "ltd", "plc.": "plc", "co.": "co", "&": "and"}
# Words that say what kind of legal entity a business is, not which business: ignored at the end of a name.
LEGAL_SUFFIXES = frozenset({"ltd", "plc", "llp", "llc", "lp", "inc", "cic", "co", "company"})
# Generic words whose plural and singular name the same business ("& Son" / "& Sons"). Distinctive
# words are never folded: "Hollybush Bakeries" may be another company than "Hollybush Bakery".
_SAFE_PLURALS = {"sons": "son", "brothers": "brother", "bros": "brother", "partners": "partner"}
# OCR reads some letters as digits; inside a word that has letters, read them back as letters.
_OCR_DIGITS = str.maketrans({"0": "o", "1": "l", "5": "s", "8": "b"})


def normalise_name(name: str) -> str:
    """Case-, accent- and punctuation-insensitive form of a business name ("Limited" is "Ltd")."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower().replace("&", " and ")
    words = re.sub(r"[^a-z0-9 ]+", " ", plain).split()
    return " ".join(_SUFFIXES.get(w, w) for w in words)


def distinctive_words(name: str) -> tuple[str, ...]:
    """The words that say which business a name is: legal suffixes, a leading "The" and "and" before
    a trailing suffix dropped, safe plurals folded, OCR digit slips inside words read as letters."""
    joined = re.sub(r"['\u2019`]", "", name)  # "Hartley's" and "Hartleys" are one name
    words = [w.translate(_OCR_DIGITS) if re.search(r"[a-z]", w) else w for w in normalise_name(joined).split()]
    if words and words[0] == "the":
        words = words[1:]
    while words and (words[-1] in LEGAL_SUFFIXES or (words[-1] == "and" and len(words) > 1)):
        words.pop()
    return tuple(_SAFE_PLURALS.get(w, w) for w in words)


def same_name(a: str, b: str) -> bool:
    """True when two printed names are the same business: their distinctive words are equal.

    Why not a similarity ratio: "Brightwater Energy Ltd" and "Brightwater Joinery Ltd" are 89%
    alike as strings yet two businesses; the word that differs is the one that tells them apart.
    """
    words_a, words_b = distinctive_words(a), distinctive_words(b)
    return bool(words_a) and words_a == words_b


def clean_value(text: str) -> str:
    """Strip leader dots, stray punctuation and spaces from both ends of a printed value."""
    text = re.sub(r"\s+", " ", text).strip()
    return text.strip(" .:;,_-—–|'‘’\"*").strip()
