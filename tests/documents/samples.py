"""Small documents made in the test, so each test says what its input is."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw


def pdf_bytes(lines: list[str] | None = None, pages: int = 1, *, encrypt: str | None = None,
              size: tuple[float, float] | None = None) -> bytes:  # fmt: skip
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=size or A4, invariant=1, encrypt=encrypt)
    for number in range(pages):
        y = 800
        for line in lines or [f"Fictitious Supplies Ltd - page {number + 1}"]:
            pdf.drawString(72, y, line)
            y -= 16
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (600, 800), text: str = "Receipt", frames: int = 1) -> bytes:
    images = []
    for index in range(frames):
        image = Image.new("L", size, 255)
        ImageDraw.Draw(image).text((40, 40 + index * 10), f"{text} {index + 1}", fill=0)
        images.append(image)
    out = io.BytesIO()
    if frames > 1:
        images[0].save(out, format=fmt, save_all=True, append_images=images[1:])
    else:
        images[0].save(out, format=fmt)
    return out.getvalue()
