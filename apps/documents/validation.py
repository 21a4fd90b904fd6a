"""Validate uploaded bytes before anything is stored: type by content, size, pages, pixels.

Never trust the file name or the browser's content type. Every rejection is
an ``UploadRejected`` subclass (one per limit, see ``apps.documents.errors``)
with a reason in plain words that the portal, the API and onboarding show as
they are. Callers go through ``apps.documents.services.upload``.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from PIL import Image, UnidentifiedImageError

from apps.documents.errors import (
    CompressionBomb,
    CorruptImage,
    CorruptPdf,
    EmptyPdf,
    EncryptedPdf,
    FileEmpty,
    FileTooLarge,
    OddShape,
    PageTooLarge,
    PdfImageTooLarge,
    TooManyPages,
    TooManyPixels,
    UnsupportedType,
    UploadRejected,
)
from apps.documents.pdfbombs import find_bomb

__all__ = ["UploadInfo", "UploadLimits", "UploadRejected", "file_too_large", "inspect_upload", "sniff"]
_BOMBS = {"image_too_large": PdfImageTooLarge, "inflation_bomb": CompressionBomb}

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
TIFF = "image/tiff"
EXTENSIONS = {PDF: "pdf", PNG: "png", JPEG: "jpg", TIFF: "tif"}
ACCEPTED = "PDF, PNG, JPEG or TIFF"
PDF_RASTER_DPI = 300  # what OCR renders scanned pages at; the pixel limit applies to that


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int
    max_pages: int
    max_pixels: int  # per page, after rendering a PDF page at PDF_RASTER_DPI
    max_aspect_ratio: int = 25  # longest side over shortest, per page
    max_inflated: int = 32_000_000  # bytes a PDF's non-image streams may decompress to

    @classmethod
    def from_settings(cls) -> UploadLimits:
        return cls(
            max_bytes=settings.DOCUMENT_MAX_BYTES,
            max_pages=settings.DOCUMENT_MAX_PAGES,
            max_pixels=settings.DOCUMENT_MAX_PIXELS,
            max_aspect_ratio=settings.DOCUMENT_MAX_ASPECT_RATIO,
            max_inflated=settings.DOCUMENT_MAX_INFLATED_BYTES,
        )


@dataclass(frozen=True)
class UploadInfo:
    content_type: str
    pages: int
    sha256: str
    size: int

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]


def sniff(content: bytes) -> str | None:
    """The type the bytes say they are, from their magic numbers."""
    head = content[:1024]
    if b"%PDF-" in head:
        return PDF
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if content.startswith(b"\xff\xd8\xff"):
        return JPEG
    if content.startswith((b"II*\x00", b"MM\x00*")):
        return TIFF
    return None


def _megabytes(n: int) -> str:
    return f"{n / 1_000_000:.0f} MB"


def file_too_large(size: int, limit: int) -> FileTooLarge:
    """The one refusal for a file over the size limit (checked before its bytes are read, and again on them)."""
    return FileTooLarge(f"The file is {_megabytes(size)}; the limit is {_megabytes(limit)}.")


def _check_pdf(content: bytes, limits: UploadLimits) -> int:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(content), strict=False)
            if reader.is_encrypted:
                raise EncryptedPdf()
            pages = len(reader.pages)
            boxes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages[: limits.max_pages + 1]]
            bomb = find_bomb(reader, max_inflated=limits.max_inflated, max_image_pixels=limits.max_pixels)
    except (UploadRejected, MemoryError):
        raise
    except (PdfReadError, Exception) as exc:  # untrusted bytes: a parser may fail in any way
        raise CorruptPdf() from exc
    if pages == 0:
        raise EmptyPdf()
    if pages > limits.max_pages:
        raise TooManyPages(
            f"This PDF has {pages} pages; the limit is {limits.max_pages}. Split it and upload the parts."
        )
    for number, (width, height) in enumerate(boxes, start=1):
        pixels = (width / 72 * PDF_RASTER_DPI) * (height / 72 * PDF_RASTER_DPI)
        if pixels > limits.max_pixels:
            raise PageTooLarge(
                f"Page {number} of this PDF is far larger than a document page ({width / 72:.0f} × "
                f"{height / 72:.0f} inches)."
            )
        _check_shape(f"Page {number} of this PDF", width, height, limits)
    if bomb is not None:
        raise _BOMBS[bomb.code](bomb.reason)
    _check_renders(content)
    return pages


def _check_shape(what: str, width: float, height: float, limits: UploadLimits) -> None:
    """A page far narrower than any document (20000 × 1 pixels) cannot be shown or read: refuse it here."""
    short, long = sorted((width, height))
    if short <= 0 or long / short > limits.max_aspect_ratio:
        raise OddShape(
            f"{what} is {width:.0f} × {height:.0f}: far narrower than any document page (the longest side may be "
            f"at most {limits.max_aspect_ratio} times the shortest)."
        )


def _check_renders(content: bytes) -> None:
    """PDFium must open the file too: pypdf repairs some damage that PDFium refuses, and PDFium draws the pages."""
    from apps.documents import pdfium

    try:
        pdfium.page_count(content)
    except pdfium.RenderError as exc:
        raise CorruptPdf() from exc


def _check_image(content: bytes, content_type: str, limits: UploadLimits) -> int:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow warns about damaged metadata; decoding is the judge
            return _decode_image(content, limits)
    except (UploadRejected, MemoryError):
        raise
    except Image.DecompressionBombError as exc:
        raise TooManyPixels() from exc
    except (UnidentifiedImageError, Exception) as exc:  # untrusted bytes: Pillow may fail in any way
        kind = {PNG: "PNG", JPEG: "JPEG", TIFF: "TIFF"}[content_type]
        reason = f"This {kind} image is damaged or incomplete, so it cannot be read."
        raise CorruptImage(reason) from exc


def _decode_image(content: bytes, limits: UploadLimits) -> int:
    with Image.open(io.BytesIO(content)) as image:
        width, height = image.size
        if width * height > limits.max_pixels:
            raise TooManyPixels(
                f"This image is {width} × {height} pixels; the limit is {limits.max_pixels // 1_000_000} "
                "megapixels. Scan at 300 dpi or less."
            )
        _check_shape("This image", width, height, limits)
        frames = getattr(image, "n_frames", 1)
        if frames > limits.max_pages:
            raise TooManyPages(f"This file has {frames} pages; the limit is {limits.max_pages}.")
        for index in range(frames):
            image.seek(index)
            if image.size[0] * image.size[1] > limits.max_pixels:
                raise TooManyPixels(f"Page {index + 1} of this image is too large.")
            _check_shape(f"Page {index + 1} of this image", *image.size, limits)
            image.load()  # decodes: a truncated or damaged image fails here, not later in OCR
        return frames


def inspect_upload(content: bytes, *, limits: UploadLimits | None = None) -> UploadInfo:
    """Check the bytes; return what they are, or raise UploadRejected with the reason."""
    limits = limits or UploadLimits.from_settings()
    if not content:
        raise FileEmpty()
    if len(content) > limits.max_bytes:
        raise file_too_large(len(content), limits.max_bytes)
    content_type = sniff(content)
    if content_type is None:
        raise UnsupportedType(f"This is not a {ACCEPTED} file (judged by its content, not its name).")
    pages = _check_pdf(content, limits) if content_type == PDF else _check_image(content, content_type, limits)
    return UploadInfo(content_type, pages, hashlib.sha256(content).hexdigest(), len(content))
