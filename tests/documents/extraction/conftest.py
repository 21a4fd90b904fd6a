"""Small documents made on the fly: a text PDF (reportlab), its scan (pypdfium2), images in each format."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

INVOICE = [
    "Brackenbury Office Supplies Ltd",
    "12 Mill Street, Felpersham FE1 2AB",
    "VAT Reg No: GB 980 7806 84",
    "",
    "INVOICE",
    "Invoice No:  BOS-5521",
    "Invoice Date:  05/03/2026",
    "Bill To:",
    "Hollybush Bakery Ltd",
    "",
    "Description                      Qty    Unit Price    VAT     Amount",
    "Copier paper A4, box of 5          2        £24.50    20%     £49.00",
    "Desk lamp                          1        £18.00    20%     £18.00",
    "",
    "                                        Subtotal              £67.00",
    "                                        VAT @ 20%             £13.40",
    "                                        Total Due             £80.40",
]


def make_pdf(pages: list[list[str]], **canvas_kwargs) -> bytes:
    """One text line per list item, Courier 10pt, on A4 pages."""
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=A4, invariant=1, **canvas_kwargs)
    for lines in pages:
        canvas.setFont("Courier", 10)
        y = 800
        for line in lines:
            canvas.drawString(40, y, line)
            y -= 16
        canvas.showPage()
    canvas.save()
    return buf.getvalue()


def rasterise(pdf: bytes, dpi: int = 300) -> list[Image.Image]:
    document = pdfium.PdfDocument(pdf)
    try:
        images = []
        for page in document:
            image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            image.info["dpi"] = (dpi, dpi)
            images.append(image)
        return images
    finally:
        document.close()


def image_bytes(images: list[Image.Image], fmt: str, dpi: int = 300, **kwargs) -> bytes:
    buf = io.BytesIO()
    images[0].save(buf, fmt, dpi=(dpi, dpi), save_all=len(images) > 1, append_images=images[1:], **kwargs)
    return buf.getvalue()


def scanned_pdf(images: list[Image.Image], dpi: int = 300) -> bytes:
    """An image-only PDF: what a scanner's 'scan to PDF' writes."""
    from reportlab.lib.utils import ImageReader

    buf = io.BytesIO()
    canvas = Canvas(buf, invariant=1)
    for image in images:
        width, height = image.width * 72 / dpi, image.height * 72 / dpi
        canvas.setPageSize((width, height))
        canvas.drawImage(ImageReader(image), 0, 0, width, height)
        canvas.showPage()
    canvas.save()
    return buf.getvalue()


@pytest.fixture(scope="session")
def invoice_pdf() -> bytes:
    return make_pdf([INVOICE])


@pytest.fixture(scope="session")
def invoice_scan() -> Image.Image:
    return rasterise(make_pdf([INVOICE]))[0]


@pytest.fixture
def no_ocr(monkeypatch):
    """Fail the test if Tesseract is called."""
    import pytesseract

    def refuse(*args, **kwargs):
        raise AssertionError("OCR was called")

    monkeypatch.setattr(pytesseract, "image_to_data", refuse)


@pytest.fixture(autouse=True)
def raw_confidences():
    """These tests pin the parser's raw evidence (labelled 0.95, confirmed halves the doubt…), so calibration is
    off here; the calibrated map and its table are tested in test_calibration.py (decision 0032)."""
    from apps.documents.extraction import calibration

    calibration.use_table(calibration.IDENTITY)
    yield
    calibration.use_table(None)
