"""Every call into PDFium, one at a time per process.

Why a lock: PDFium (through pypdfium2) is not thread-safe. Two threads
rendering at once (the portal's page images are served by a threaded server)
corrupt its global state and kill the whole process with a segfault, for every
user at once. So nothing outside this module imports pypdfium2: each helper
opens the document, does its work, copies the result out and closes every
PDFium object, all while holding ``_LOCK``. Closing explicitly matters too:
pypdfium2 otherwise closes objects from the garbage collector, in whatever
thread happens to run it, outside the lock.

The cost is that page renders in one process queue behind each other; a page
renders in well under a second, and OCR (the slow part) runs outside the lock.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pypdfium2
from PIL import Image

_LOCK = threading.Lock()
PdfiumError = pypdfium2.PdfiumError


class RenderError(Exception):
    """PDFium could not open or render the document; the message is for people."""


@contextmanager
def _opened(content: bytes) -> Iterator[pypdfium2.PdfDocument]:
    """The document, opened and closed while holding the lock. Raises RenderError when it cannot be opened."""
    with _LOCK:
        try:
            document = pypdfium2.PdfDocument(content, password="")
        except PdfiumError as exc:
            raise RenderError("This PDF is damaged or incomplete, so its pages cannot be shown.") from exc
        try:
            yield document
        finally:
            document.close()


def page_count(content: bytes) -> int:
    """How many pages PDFium sees. Raises RenderError when it cannot open the file."""
    with _opened(content) as document:
        return len(document)


def render_page(
    content: bytes, index: int, *, dpi: float | None = None, width: int | None = None, max_pixels: int, grayscale: bool
) -> Image.Image:
    """Page ``index`` (from 0) as a PIL image at ``dpi``, or scaled to ``width`` pixels (at most 3x).

    The scale is lowered so that the bitmap never exceeds ``max_pixels``: a
    page's size is the file's claim, not a promise. Raises RenderError.
    """
    with _opened(content) as document:
        return _render(document, index, dpi=dpi, width=width, max_pixels=max_pixels, grayscale=grayscale)


def _render(document, index: int, *, dpi, width, max_pixels: int, grayscale: bool) -> Image.Image:
    if not 0 <= index < len(document):
        raise RenderError(f"This PDF has no page {index + 1}.")
    try:
        page = document[index]
    except PdfiumError as exc:
        raise RenderError(f"Page {index + 1} of this PDF is damaged, so it cannot be shown.") from exc
    try:
        page_width, page_height = page.get_size()  # points
        if page_width <= 0 or page_height <= 0:
            raise RenderError(f"Page {index + 1} of this PDF has no area, so it cannot be shown.")
        scale = dpi / 72 if dpi else min((width or 1400) / page_width, 3)
        pixels = page_width * scale * page_height * scale
        if pixels > max_pixels:
            scale *= math.sqrt(max_pixels / pixels)
        if page_width * scale < 1 or page_height * scale < 1:
            raise RenderError(f"Page {index + 1} of this PDF is too narrow to show.")
        bitmap = page.render(scale=scale, grayscale=grayscale)
        try:
            image = bitmap.to_pil().copy()  # a copy: the bitmap's buffer is released below
        finally:
            bitmap.close()
    except PdfiumError as exc:
        raise RenderError(f"Page {index + 1} of this PDF cannot be rendered.") from exc
    finally:
        page.close()
    image.info["dpi"] = (round(scale * 72), round(scale * 72))
    return image
