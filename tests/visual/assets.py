"""A stand-in page image for the review panel (the gallery's documents have no stored file)."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw


def page_png(width: int = 700, height: int = 990) -> bytes:
    """A plain invoice-like page drawn with rectangles only (no fonts: identical on every machine)."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, width - 1, height - 1], outline=(180, 180, 180))
    draw.rectangle([40, 40, 300, 80], fill=(60, 60, 60))
    for n, y in enumerate(range(140, 520, 38)):
        draw.rectangle([40, y, 40 + (520 if n % 3 else 360), y + 14], fill=(200, 200, 200))
    draw.rectangle([400, 600, 660, 640], fill=(90, 90, 90))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
