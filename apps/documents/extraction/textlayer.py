"""A PDF page's own text (pypdf, layout mode), and whether it is enough to skip OCR.

Why layout mode: it keeps each printed line on one text line with its columns
apart ("Subtotal      £131.80"), which is what OCR gives us too, so one
parser serves both. A page with almost no text (under MIN_CHARS letters and
digits) is treated as scanned: it is an image, perhaps with a page number.
"""

from __future__ import annotations

import logging
import re

from pypdf import PageObject

MIN_CHARS = 25
logger = logging.getLogger(__name__)


def page_text(page: PageObject) -> str:
    """The page's text layer, tidied; "" when pypdf cannot decode it (the page is then OCRed)."""
    for mode in ("layout", "plain"):
        try:
            return tidy(page.extract_text(extraction_mode=mode))
        except Exception as exc:  # pypdf raises many types on odd content streams; OCR is the fallback
            logger.info("pypdf %s extraction failed: %s", mode, exc)
    return ""


def tidy(text: str | None) -> str:
    """Trailing spaces removed, runs of blank lines reduced to one, no blank lines at the ends."""
    lines = [line.rstrip() for line in (text or "").replace("\r", "").replace("\x00", "").split("\n")]
    joined = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return joined.strip("\n")


def usable(text: str) -> bool:
    return sum(c.isalnum() for c in text) >= MIN_CHARS
