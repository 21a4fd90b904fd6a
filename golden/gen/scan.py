"""Make a born-digital PDF look printed and scanned: rasterise, tilt, blur, tint and speckle (seeded).

Grayscale at 150 or 300 dpi; PNG optimised, JPEG quality 85, TIFF bilevel
Group 4 (what office scanners write), scanned PDF = JPEG pages in a PDF.
Every random choice comes from ``random.Random(seed)``, so re-runs are identical.
"""

from __future__ import annotations

import io
import random

import pypdfium2 as pdfium
from PIL import Image, ImageChops, ImageDraw, ImageFilter
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas


def rasterise(pdf: bytes, dpi: int) -> list[Image.Image]:
    document = pdfium.PdfDocument(pdf)
    try:
        pages = []
        for page in document:
            bitmap = page.render(scale=dpi / 72, grayscale=True)
            pages.append(bitmap.to_pil().convert("L"))
            page.close()
        return pages
    finally:
        document.close()


def age(image: Image.Image, rng: random.Random, dpi: int, *, photo: bool = False, grain: int = 0) -> Image.Image:
    """Tilt up to ±1.5°, blur a little, darken the paper, add grain (JPEG only: PNG cannot compress it) and specks."""
    angle = rng.uniform(-1.5, 1.5)
    image = image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    image = image.filter(ImageFilter.GaussianBlur(0.7 if dpi >= 300 else 0.45))
    low, high = (45, 232) if photo else (25, 246)
    image = image.point(lambda v: low + v * (high - low) // 255)
    width, height = image.size
    if photo:  # uneven light across a photographed receipt
        shade = Image.linear_gradient("L").resize((width, height)).point(lambda v: v * 30 // 255)
        image = ImageChops.subtract(image, shade)
    if grain:
        noise = Image.frombytes("L", (width, height), rng.randbytes(width * height)).point(lambda v: v * grain // 255)
        image = ImageChops.subtract(image, noise)
    draw = ImageDraw.Draw(image)
    for _ in range(width * height // 40000):
        x, y, r = rng.randrange(width), rng.randrange(height), rng.choice((1, 1, 1, 2))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=rng.randint(60, 160))
    return image


def scanned_pages(pdf: bytes, dpi: int, seed: int, *, photo: bool = False, grain: int = 0) -> list[Image.Image]:
    rng = random.Random(seed)  # noqa: S311 - reproducible noise, not security
    return [age(page, rng, dpi, photo=photo, grain=grain) for page in rasterise(pdf, dpi)]


def to_png(pages: list[Image.Image], dpi: int) -> bytes:
    buf = io.BytesIO()
    pages[0].save(buf, "PNG", optimize=True, dpi=(dpi, dpi))
    return buf.getvalue()


def to_jpeg(pages: list[Image.Image], dpi: int) -> bytes:
    buf = io.BytesIO()
    pages[0].save(buf, "JPEG", quality=85, dpi=(dpi, dpi))
    return buf.getvalue()


def to_tiff(pages: list[Image.Image], dpi: int) -> bytes:
    bilevel = [p.point(lambda v: 255 if v > 150 else 0).convert("1", dither=Image.Dither.NONE) for p in pages]
    buf = io.BytesIO()
    bilevel[0].save(buf, "TIFF", compression="group4", dpi=(dpi, dpi), save_all=True, append_images=bilevel[1:])
    return buf.getvalue()


def to_scanned_pdf(pages: list[Image.Image], dpi: int, title: str) -> bytes:
    """Image-only PDF (no text layer), one JPEG per page, as a scanner's 'scan to PDF' writes."""
    buf = io.BytesIO()
    canvas = Canvas(buf, invariant=1, pageCompression=1)
    canvas.setTitle(title)
    canvas.setCreator("Scan to PDF")
    for page in pages:
        width, height = page.size[0] * 72 / dpi, page.size[1] * 72 / dpi
        canvas.setPageSize((width, height))
        canvas.drawImage(ImageReader(io.BytesIO(to_jpeg([page], dpi))), 0, 0, width, height)
        canvas.showPage()
    canvas.save()
    return buf.getvalue()
