"""``read_document``: bytes in, ``Extraction`` out; the only place that opens files and runs OCR.

Why page by page: only one page image is in memory at a time (rendered,
OCRed, closed), so a 20-page scan costs no more memory than one page. A PDF
page with a usable text layer skips OCR; other pages are rendered at 300 dpi
by PDFium (one call at a time in a process: apps/documents/pdfium.py). Images
are OCRed directly; each TIFF frame is a page. When OCR was used and the
figures do not add up, the scanned pages get one more reading with the
contrast stretched, kept only if it adds up. Content that
cannot be read raises ``ReadError`` with a plain-words reason.
"""

from __future__ import annotations

import io
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import partial

from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader

from apps.documents import pdfium

from . import ocr, textlayer
from .errors import ReadError
from .parse import extract_fields
from .result import Extraction, PageText
from .text import PageLines

PDF = "application/pdf"
IMAGES = {"image/png": "PNG", "image/jpeg": "JPEG", "image/tiff": "TIFF"}
RENDER_DPI = 300
MAX_RENDER_PIXELS = 40_000_000  # a page larger than this is rendered at a lower resolution
MIN_SIDE = 16  # pixels; anything smaller holds no readable text


@dataclass(frozen=True)
class _Page:
    text: str
    method: str
    confidence: float
    seconds: float
    line_confidences: list[float] | None = None
    line_words: list[tuple] | None = None


def read_document(
    content: bytes,
    content_type: str,
    *,
    max_pages: int = 20,
    own_names: Sequence[str] = (),
    ocr_timeout: int = ocr.DEFAULT_TIMEOUT,
    psm: int = ocr.DEFAULT_PSM,
) -> Extraction:
    """Read the document and extract its fields. Raises ReadError when the content cannot be read.

    When OCR was needed and the figures do not add up, the scanned pages are read a second time with
    their contrast stretched; that reading is kept only if its figures add up (the arithmetic check is
    the referee, so a second reading can fix a misread line but never override one that agrees).
    """
    if content_type == PDF:
        read = partial(_read_pdf, content, max_pages, ocr_timeout, psm)
    elif content_type in IMAGES:
        read = partial(_read_image, content, IMAGES[content_type], max_pages, ocr_timeout, psm)
    else:
        raise ReadError(f"Files of type {content_type!r} cannot be read; upload a PDF, PNG, JPEG or TIFF.")
    pages = read(enhance=False)
    result = _extract(pages, own_names)
    if not result.arithmetic_ok and any(p.method == "ocr" for p in pages):
        second = read(enhance=True)
        retry = _extract(second, own_names)
        if retry.arithmetic_ok:
            retry.pages = [
                replace(p, seconds=p.seconds + first.seconds)
                for p, first in zip(retry.pages, result.pages, strict=True)
            ]
            return retry
    return result


def _extract(pages: list[_Page], own_names: Sequence[str]) -> Extraction:
    result = extract_fields(
        [PageLines(p.text, p.confidence, p.line_confidences, p.line_words) for p in pages], own_names=tuple(own_names)
    )
    result.pages = [PageText(i, p.text, p.method, p.confidence, p.seconds) for i, p in enumerate(pages, start=1)]
    return result


def _ocr_page(read: ocr.OcrPage, started: float) -> _Page:
    confidences = [line.confidence for line in read.lines]
    words = [line.words for line in read.lines]
    return _Page(read.text, "ocr", read.confidence, time.monotonic() - started, confidences, words)


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


def _read_pdf(content: bytes, max_pages: int, timeout: int, psm: int, *, enhance: bool) -> list[_Page]:
    reader = _open_pdf(content)
    count = len(reader.pages)
    if count > max_pages:
        raise ReadError(f"This PDF has {count} pages; the limit is {max_pages}.")
    pages: list[_Page] = []
    for index in range(count):
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
            read = ocr.ocr_image(image, page_number=index + 1, psm=psm, timeout=timeout, enhance=enhance)
        finally:
            image.close()
        pages.append(_ocr_page(read, started))
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


def _read_image(content: bytes, kind: str, max_pages: int, timeout: int, psm: int, *, enhance: bool) -> list[_Page]:
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
                read = ocr.ocr_image(frame, page_number=index + 1, psm=psm, timeout=timeout, enhance=enhance)
            finally:
                frame.close()
            pages.append(_ocr_page(read, started))
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
