"""Tesseract OCR of one page image, returning text lines with their word confidences.

Why ``image_to_data`` and not ``image_to_string``: one Tesseract run gives both
the words and their confidences, and the word boxes let us keep wide gaps
(table columns) as runs of spaces, which the parsers use to tell a
description from its amounts. ``--psm 6`` (one uniform block of text) was
chosen by measurement on the golden set (see golden/README.md): Tesseract's
default (psm 3) splits a price from its item when they sit far apart.
Threads are left to Tesseract's environment (``OMP_THREAD_LIMIT=1`` on the
OCR workers); we never set them here.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

import pytesseract
from PIL import Image, ImageOps

from . import preprocess
from .errors import OcrUnavailable, ReadError
from .preprocess import contrast_span  # noqa: F401 - part of this module's interface (reader.py, tests)

DEFAULT_PSM = 6
DEFAULT_TIMEOUT = 60  # seconds per page
COLUMN_GAP = "   "  # what a wide gap between two words becomes
BLANK_INK = 0.00005  # a page with fewer dark pixels than this share (two letters at 300 dpi) is blank
SPECK_CONFIDENCE = 40  # Tesseract's 0-100: a word under this at a photo line's end is a speck (see _lines)
NOISE = frozenset(".,;:'`‘’\"_-—–|~^*°«»!")  # a "word" made only of these is a speck or a leader, not text


@dataclass(frozen=True)
class Line:
    text: str
    confidence: float  # mean word confidence in [0, 1]
    words: tuple[tuple[int, int, float], ...] = ()  # (start, end, confidence) of each word in ``text``


@dataclass(frozen=True)
class OcrPage:
    lines: list[Line]
    confidence: float
    seconds: float
    steps: tuple[str, ...] = ()  # what preprocess did to the page before Tesseract (empty: the fast path)
    contrast: float = 1.0  # share of 0-255 between the 1st and 99th percentile of what Tesseract saw

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


def prepare(image: Image.Image, *, enhance: bool = False) -> tuple[Image.Image, int, str, tuple[str, ...], float]:
    """A grayscale copy (Tesseract binarises it itself) and the scan's resolution (300 when unknown).

    Nothing else on the first reading, by measurement on the golden set
    (golden/README.md): enlarging 150-dpi scans changed nothing and cost time; a
    3x3 median filter and a fixed binarisation lost fields; autocontrast fixed
    some lines and broke others, so it is only the second reading (``enhance``).
    """
    try:
        dpi = round(float((image.info.get("dpi") or (0, 0))[0]))
    except (TypeError, ValueError, IndexError):
        dpi = 0
    if not 50 <= dpi <= 1200:
        dpi = 300
    prepared = image.convert("L") if image.mode != "L" else image.copy()
    page = preprocess.prepare_page(prepared, dpi)  # measured per page: untouched unless it needs a step
    if page.image is not prepared:
        prepared.close()
        prepared = page.image
        dpi = round(dpi * page.scale)
    if enhance:  # the second reading, when the first did not add up (see reader.py)
        stretched = ImageOps.autocontrast(prepared, cutoff=1)
        prepared.close()
        prepared = stretched
    # How pytesseract hands the page to Tesseract (issue #18, measured): an uncompressed TIFF, written as fast as
    # the PGM it replaces, but read by Tesseract (leptonica) ~0.15 s a page faster: the PGM cost ~12-20% more
    # Tesseract CPU than the same page as a raw TIFF or a PNG; PNG-encoding it here costs 0.1-1 s. The same
    # pixels: Tesseract's words and confidences are unchanged (every OCRed golden and holdout page compared).
    # ``info`` is dropped so no compression the source file carried (a fax TIFF's group4, valid for 1-bit pages
    # only) is applied to the grey page.
    prepared.info = {}
    prepared.format = "TIFF"
    return prepared, dpi, page.tesseract_config, page.steps, page.contrast


def is_blank(image: Image.Image) -> bool:
    """Whether the page has (almost) no ink, judged from its histogram in milliseconds, before Tesseract.

    Dark means under half the page's own brightest level, so tinted paper and
    dim photos are judged fairly; a few specks of dust stay under BLANK_INK.
    """
    grey = image if image.mode == "L" else image.convert("L")
    histogram = grey.histogram()
    total = sum(histogram)
    if not total:
        return True
    brightest = max(i for i, n in enumerate(histogram) if n)
    dark = sum(histogram[: brightest // 2])
    return dark < BLANK_INK * total


def ocr_image(
    image: Image.Image,
    *,
    page_number: int = 1,
    psm: int = DEFAULT_PSM,
    timeout: int = DEFAULT_TIMEOUT,
    enhance: bool = False,
) -> OcrPage:
    """OCR one page. Raises ReadError on timeout or when Tesseract rejects the image."""
    started = time.monotonic()
    prepared, dpi, extra_config, steps, contrast = prepare(image, enhance=enhance)
    try:
        data = pytesseract.image_to_data(
            prepared,
            lang="eng",
            config=f"--psm {psm} --dpi {dpi} {extra_config}".strip(),
            output_type=pytesseract.Output.DICT,
            timeout=timeout,
        )
    except pytesseract.TesseractNotFoundError as exc:
        raise OcrUnavailable("Tesseract is not installed on this server") from exc
    except RuntimeError as exc:  # pytesseract raises a bare RuntimeError on timeout
        if "timeout" in str(exc).lower():
            raise ReadError(f"OCR took longer than {timeout} s on page {page_number}.") from exc
        raise
    except pytesseract.TesseractError as exc:
        raise ReadError(f"OCR could not read page {page_number} ({exc.message.strip()[:120]}).") from exc
    finally:
        prepared.close()
    lines = _lines(data, trim_specks=bool(steps))
    confidences = [conf for line in lines for _, _, conf in line.words]
    return OcrPage(
        lines=lines,
        confidence=statistics.fmean(confidences) if confidences else 0.0,
        seconds=time.monotonic() - started,
        steps=steps,
        contrast=contrast,
    )


def _lines(data: dict[str, list], *, trim_specks: bool = False) -> list[Line]:
    """Group Tesseract's words into lines; a gap wider than the line's height becomes COLUMN_GAP.

    ``trim_specks`` (pages that needed preprocessing: photos) drops words under
    SPECK_CONFIDENCE at either end of a line, and lines made only of them: a
    photo's creases, page edge and desk read as short nonsense words at the
    ends of real lines ("rs Unsalted butter"), which the parsers would take
    for part of a description or a supplier's name. A doubtful word with a
    digit at a line's end stays: it may be the line's amount.
    """
    grouped: dict[tuple[int, int, int], list[int]] = {}
    for i, word in enumerate(data["text"]):
        word = str(word).strip()
        if data["level"][i] != 5 or not word or set(word) <= NOISE:
            continue
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        grouped.setdefault(key, []).append(i)
    out = []
    for indexes in grouped.values():
        indexes.sort(key=lambda i: data["left"][i])
        if trim_specks:
            while indexes and float(data["conf"][indexes[0]]) < SPECK_CONFIDENCE:
                indexes.pop(0)
            while indexes and float(data["conf"][indexes[-1]]) < SPECK_CONFIDENCE and not _has_digit(data, indexes[-1]):
                indexes.pop()  # an amount ends a line: a doubtful one is kept for the arithmetic to judge
            if not indexes:
                continue
        height = statistics.median(data["height"][i] for i in indexes) or 1
        text = ""
        words: list[tuple[int, int, float]] = []
        previous_right = None
        for i in indexes:
            if previous_right is not None:
                gap = data["left"][i] - previous_right
                text += COLUMN_GAP if gap > 1.2 * height else " "
            word = str(data["text"][i]).strip()
            words.append((len(text), len(text) + len(word), min(max(float(data["conf"][i]), 0.0) / 100, 1.0)))
            text += word
            previous_right = data["left"][i] + data["width"][i]
        out.append(Line(text, statistics.fmean(c for _, _, c in words), tuple(words)))
    return out


def _has_digit(data: dict[str, list], index: int) -> bool:
    return any(ch.isdigit() for ch in str(data["text"][index]))
