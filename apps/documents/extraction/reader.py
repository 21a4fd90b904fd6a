"""``read_document``: bytes in, ``Extraction`` out; the only place that opens files and runs OCR.

Why page by page: only one page image is in memory at a time (rendered,
OCRed, closed), so a 20-page scan costs no more memory than one page. A PDF
page with a usable text layer skips OCR; other pages are rendered at 300 dpi
by PDFium (one call at a time in a process: apps/documents/pdfium.py). Images
are OCRed directly; each TIFF frame is a page, and each OCRed page is first
prepared as it needs (preprocess.py: photos flattened, turned straight).
When OCR was used and the figures do not add up, only the scanned pages whose
contrast a stretch would change (``RETRY_CONTRAST``) get one more reading with
the contrast stretched; the reading kept is the one whose figures add up, and
when neither does, the one Tesseract is surer of (issue #18: re-reading every
page of every failing document added 8-13% and was the whole of the p95).
Content that cannot be read raises ``ReadError`` with a plain-words reason.

Why budgets: a few-kB PDF of 20 blank pages once cost 67 s of OCR, and one
API token can upload 120 files a minute. So a page that is blank (almost no
dark pixels) is never given to Tesseract, a document whose pages are all
blank fails at once with that reason, and all OCR of one document (both
readings) shares ``ocr_budget`` seconds: past it the document fails with the
reason (or, on the second reading, the first reading is kept).
"""

from __future__ import annotations

import io
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import partial
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader

from apps.documents import pdfium
from apps.documents.pdfbombs import find_bomb
from apps.ledger.extraction import Extraction, PageText

from . import ocr, textlayer
from .errors import OcrBudgetSpent, ReadError
from .parse import extract_fields
from .text import PageLines

PDF = "application/pdf"
IMAGES = {"image/png": "PNG", "image/jpeg": "JPEG", "image/tiff": "TIFF"}
RENDER_DPI = 300
MAX_RENDER_PIXELS = 40_000_000  # a page larger than this is rendered at a lower resolution
MIN_SIDE = 16  # pixels; anything smaller holds no readable text
MAX_INFLATED = 32_000_000  # bytes a PDF's non-image streams may expand to (as the upload check)
DEFAULT_OCR_BUDGET = 120.0  # seconds of OCR per document, both readings together
RETRY_CONTRAST = 0.40  # a page whose tones span less than this share of 0-255 may gain from a stretched reading


class _Budget:
    """The OCR seconds left for one document; each page's Tesseract timeout is capped by it."""

    def __init__(self, seconds: float, page_timeout: int) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.page_timeout = page_timeout

    def timeout(self, page_number: int) -> int:
        left = self.deadline - time.monotonic()
        if left < 1:
            raise OcrBudgetSpent(
                f"Reading stopped at page {page_number}: this document needs more than {self.seconds:.0f} s "
                "of OCR, the most one document may use. Split it, or upload a cleaner scan."
            )
        return max(1, min(self.page_timeout, int(left)))


@dataclass(frozen=True)
class _Page:
    text: str
    method: str
    confidence: float
    seconds: float
    line_confidences: list[float] | None = None
    line_words: list[tuple] | None = None
    contrast: float = 1.0  # ocr.OcrPage.contrast of the reading
    steps: tuple[str, ...] = ()  # preprocess steps taken


def read_document(
    content: bytes,
    content_type: str,
    *,
    max_pages: int = 20,
    own_names: Sequence[str] = (),
    own_vat_numbers: Sequence[str] = (),
    own_company_numbers: Sequence[str] = (),
    ocr_timeout: int = ocr.DEFAULT_TIMEOUT,
    psm: int = ocr.DEFAULT_PSM,
    ocr_budget: float = DEFAULT_OCR_BUDGET,
    received_on: date | None = None,
    known_suppliers: Mapping[str, str] | None = None,
    **context: Any,
) -> Extraction:
    """Read the document and extract its fields. Raises ReadError when the content cannot be read.

    ``known_suppliers``: compact VAT number -> supplier name on the business's record (optional).
    ``context``: further keyword arguments of ``extract_fields``, passed through unchanged. When OCR was
    needed and the figures do not add up, the scanned pages a contrast stretch can change are read a
    second time; the arithmetic check is the referee, so a second reading can fix a misread line but
    never override one that agrees.
    """
    budget = _Budget(ocr_budget, ocr_timeout)
    if content_type == PDF:
        read = partial(_read_pdf, content, max_pages, budget, psm)
    elif content_type in IMAGES:
        read = partial(_read_image, content, IMAGES[content_type], max_pages, budget, psm)
    else:
        raise ReadError(f"Files of type {content_type!r} cannot be read; upload a PDF, PNG, JPEG or TIFF.")
    own = {"own_names": tuple(own_names), "own_vat_numbers": tuple(own_vat_numbers),
           "own_company_numbers": tuple(own_company_numbers), "received_on": received_on,
           "known_suppliers": known_suppliers, **context}  # fmt: skip
    pages = read(enhance=False)
    if all(p.method == "blank" for p in pages):
        raise ReadError(f"Every page of this document is blank ({len(pages)} checked), so there is nothing to read.")
    result = _extract(pages, own)
    retry = retry_pages(pages) if not result.arithmetic_ok else frozenset()
    if not retry:
        return result
    try:
        second = read(enhance=True, only=retry, previous=pages)
    except OcrBudgetSpent:
        return result  # the first reading stands; the budget is spent
    again = _extract(second, own)
    if not better(again, second, result, pages):
        return result
    again.pages = [
        replace(p, seconds=p.seconds + first.seconds) if i in retry else p
        for i, (p, first) in enumerate(zip(again.pages, result.pages, strict=True))
    ]
    return again


def retry_pages(pages: Sequence[_Page]) -> frozenset[int]:
    """The pages a contrast-stretched reading could change: OCRed, with tones short of the full range."""
    return frozenset(i for i, p in enumerate(pages) if p.method == "ocr" and p.contrast < RETRY_CONTRAST)


def better(second: Extraction, second_pages: Sequence[_Page], first: Extraction, first_pages: Sequence[_Page]) -> bool:
    """Whether the second reading should replace the first: its figures add up, or neither's do and it is surer."""
    if second.arithmetic_ok != first.arithmetic_ok:
        return second.arithmetic_ok
    if second.arithmetic_ok:
        return False  # cannot happen (the first did not add up); kept for clarity
    return _mean_confidence(second_pages) > _mean_confidence(first_pages) + 0.02


def _mean_confidence(pages: Sequence[_Page]) -> float:
    scanned = [p.confidence for p in pages if p.method == "ocr"]
    return sum(scanned) / len(scanned) if scanned else 0.0


def _extract(pages: list[_Page], own: dict) -> Extraction:
    result = extract_fields([PageLines(p.text, p.confidence, p.line_confidences, p.line_words) for p in pages], **own)
    result.pages = [PageText(i, p.text, p.method, p.confidence, p.seconds) for i, p in enumerate(pages, start=1)]
    return result


def _ocr_or_blank(image: Image.Image, number: int, budget: _Budget, psm: int, enhance: bool, started: float) -> _Page:
    if ocr.is_blank(image):
        return _Page("", "blank", 0.0, time.monotonic() - started, [], [])
    read = ocr.ocr_image(image, page_number=number, psm=psm, timeout=budget.timeout(number), enhance=enhance)
    return _ocr_page(read, started)


def _ocr_page(read: ocr.OcrPage, started: float) -> _Page:
    confidences = [line.confidence for line in read.lines]
    words = [line.words for line in read.lines]
    return _Page(read.text, "ocr", read.confidence, time.monotonic() - started, confidences, words, read.contrast,
                 read.steps)  # fmt: skip


# --- PDF ----------------------------------------------------------------------------------------------------


def _open_pdf(content: bytes) -> PdfReader:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(content), strict=False)
            if reader.is_encrypted and not reader.decrypt(""):
                raise ReadError("This PDF is password-protected, so it cannot be read.")
            if len(reader.pages) == 0:
                raise ReadError("This PDF has no pages.")
            return reader
    except ReadError:
        raise
    except Exception as exc:  # pypdf signals damage with many exception types
        raise ReadError("This PDF is damaged or incomplete, so it cannot be read.") from exc


def _read_pdf(
    content: bytes,
    max_pages: int,
    budget: _Budget,
    psm: int,
    *,
    enhance: bool,
    only: frozenset[int] | None = None,
    previous: Sequence[_Page] = (),
) -> list[_Page]:
    """Every page's reading; with ``only``, just those pages are read again and the rest come from ``previous``."""
    reader = _open_pdf(content)
    count = len(reader.pages)
    if count > max_pages:
        raise ReadError(f"This PDF has {count} pages; the limit is {max_pages}.")
    # Uploads are measured for bombs before they are stored; files stored before that rule are measured here.
    bomb = find_bomb(reader, max_inflated=MAX_INFLATED, max_image_pixels=MAX_RENDER_PIXELS)
    if bomb is not None:
        raise ReadError(bomb.reason)
    pages: list[_Page] = []
    for index in range(count):
        if only is not None and index not in only:
            pages.append(previous[index])
            continue
        started = time.monotonic()
        try:
            text = textlayer.page_text(reader.pages[index])
        except Exception:  # a page object pypdf cannot even load: OCR it instead
            text = ""
        if textlayer.usable(text):
            pages.append(_Page(text, "text_layer", 1.0, time.monotonic() - started))
            continue
        image = _render(content, index)  # PDFium runs under its process-wide lock; OCR does not
        try:
            pages.append(_ocr_or_blank(image, index + 1, budget, psm, enhance, started))
        finally:
            image.close()
    return pages


def _render(content: bytes, index: int) -> Image.Image:
    try:
        image = pdfium.render_page(content, index, dpi=RENDER_DPI, max_pixels=MAX_RENDER_PIXELS, grayscale=True)
    except pdfium.RenderError as exc:
        raise ReadError(f"Page {index + 1} of this PDF cannot be rendered for OCR.") from exc
    grey = image.convert("L")
    grey.info["dpi"] = image.info["dpi"]
    image.close()
    return grey


# --- images -------------------------------------------------------------------------------------------------


def _read_image(
    content: bytes,
    kind: str,
    max_pages: int,
    budget: _Budget,
    psm: int,
    *,
    enhance: bool,
    only: frozenset[int] | None = None,
    previous: Sequence[_Page] = (),
) -> list[_Page]:
    """Every frame's reading; with ``only``, just those frames are read again and the rest come from ``previous``."""
    damaged = f"This {kind} image is damaged or incomplete, so it cannot be read."
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PIL warns about damaged metadata; the pixels decide
            image = Image.open(io.BytesIO(content))
    except Image.DecompressionBombError as exc:
        raise ReadError("This image is too large to read safely.") from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        raise ReadError(damaged) from exc
    pages: list[_Page] = []
    with image:
        frames = getattr(image, "n_frames", 1)
        if frames > max_pages:
            raise ReadError(f"This image has {frames} pages; the limit is {max_pages}.")
        for index in range(frames):
            if only is not None and index not in only:
                pages.append(previous[index])
                continue
            started = time.monotonic()
            try:
                image.seek(index)
                frame = _normalise(image)
            except Image.DecompressionBombError as exc:
                raise ReadError("This image is too large to read safely.") from exc
            except (OSError, ValueError, SyntaxError, EOFError) as exc:
                raise ReadError(damaged) from exc
            try:
                if frame.width < MIN_SIDE or frame.height < MIN_SIDE:
                    pages.append(_Page("", "ocr", 0.0, time.monotonic() - started, [], []))
                    continue
                pages.append(_ocr_or_blank(frame, index + 1, budget, psm, enhance, started))
            finally:
                frame.close()
    return pages


def _normalise(image: Image.Image) -> Image.Image:
    """Upright (EXIF), 8-bit grayscale, transparency on white; keeps the resolution in ``info['dpi']``."""
    dpi = image.info.get("dpi")
    frame = ImageOps.exif_transpose(image) if image.format == "JPEG" else image.copy()
    if frame.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        frame = frame.convert("I").point(lambda v: v / 256).convert("L")
    elif frame.mode in ("RGBA", "LA", "PA") or (frame.mode == "P" and "transparency" in frame.info):
        rgba = frame.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        frame = Image.alpha_composite(background, rgba).convert("L")
    elif frame.mode != "L":
        frame = frame.convert("L")
    if dpi:
        frame.info["dpi"] = dpi
    return frame
