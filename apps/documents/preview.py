"""Page images for the review panel, and the picture shown when a page cannot be rendered."""

from __future__ import annotations

import io
import warnings

from django.conf import settings
from django.utils.html import escape
from PIL import Image

from apps.documents import pdfium
from apps.documents.validation import PDF

PREVIEW_WIDTH = 1400  # pixels; the panel shows pages at 700 CSS pixels, so this is sharp on a 2x screen


class PreviewUnavailable(Exception):
    """The page cannot be shown; the message says why, in plain words."""


def render_page_png(content: bytes, content_type: str, page: int, width: int = PREVIEW_WIDTH) -> bytes:
    """Page ``page`` (from 1) as PNG bytes, at most ``width`` pixels wide. Raises PreviewUnavailable."""
    if content_type == PDF:
        try:
            image = pdfium.render_page(
                content, page - 1, width=width, max_pixels=settings.DOCUMENT_MAX_PIXELS, grayscale=False
            )
        except pdfium.RenderError as exc:
            raise PreviewUnavailable(str(exc)) from exc
    else:
        image = _image_page(content, page, width)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _image_page(content: bytes, page: int, width: int) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            image = Image.open(io.BytesIO(content))
            image.seek(page - 1)
            image = image.convert("RGB")
    except Image.DecompressionBombError as exc:
        raise PreviewUnavailable("This image is too large to show.") from exc
    except (OSError, ValueError, SyntaxError, EOFError) as exc:  # Pillow's ways of saying "damaged"
        raise PreviewUnavailable("This image is damaged or incomplete, so it cannot be shown.") from exc
    if image.width > width:
        image = image.resize((width, max(1, round(image.height * width / image.width))))
    return image


def preview_unavailable_svg(page: int, reason: str) -> bytes:
    """A page-shaped picture saying why the page cannot be shown (an ``<img>`` cannot show an HTML page)."""
    text = escape(f"Preview of page {page} unavailable: {reason}")
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="700" height="200" viewBox="0 0 700 200" role="img" '
        f'aria-label="{text}"><rect width="700" height="200" fill="#f4f4f4" stroke="#999"/>'
        f'<text x="20" y="100" font-family="sans-serif" font-size="14" fill="#222">{text}</text></svg>'
    ).encode()
