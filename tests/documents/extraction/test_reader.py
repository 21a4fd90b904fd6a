"""read_document: text layer or OCR per page, images and TIFF frames, and plain-words ReadErrors."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from PIL import Image

from apps.documents.extraction import ocr
from apps.documents.extraction.errors import OcrUnavailable, ReadError
from apps.documents.extraction.reader import read_document

from .conftest import INVOICE, image_bytes, make_pdf, scanned_pdf

PDF, PNG, JPEG, TIFF = "application/pdf", "image/png", "image/jpeg", "image/tiff"


def test_a_born_digital_pdf_uses_its_text_layer_without_ocr(invoice_pdf, no_ocr):
    result = read_document(invoice_pdf, PDF)
    (page,) = result.pages
    assert (page.number, page.method, page.confidence) == (1, "text_layer", 1.0)
    assert "Brackenbury Office Supplies Ltd" in page.text
    assert result.gross.value == Decimal("80.40") and result.arithmetic_ok


def test_a_scanned_pdf_page_goes_through_ocr_with_a_confidence(invoice_scan):
    result = read_document(scanned_pdf([invoice_scan]), PDF)
    (page,) = result.pages
    assert page.method == "ocr" and 0.7 < page.confidence <= 1.0 and page.seconds > 0
    assert result.gross.value == Decimal("80.40")
    assert result.document_number.value == "BOS-5521"
    assert 0 < result.gross.confidence < 1.0  # OCR confidence carries into the field


def test_a_png_is_ocred_directly(invoice_scan):
    result = read_document(image_bytes([invoice_scan], "PNG"), PNG)
    assert [p.method for p in result.pages] == ["ocr"]
    assert result.supplier_vat_number.value == "980780684"


def test_a_jpeg_photo_taken_sideways_is_turned_upright_from_its_exif(invoice_scan):
    rotated = invoice_scan.rotate(90, expand=True)
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to view
    content = image_bytes([rotated], "JPEG", quality=90, exif=exif.tobytes())
    assert read_document(content, JPEG).gross.value == Decimal("80.40")


def test_multi_page_pdf_reads_every_page_and_mixes_text_layer_and_ocr(invoice_scan):
    text_pages = make_pdf([["Page one of a long invoice", "Brackenbury Office Supplies Ltd"] * 3, INVOICE])
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(text_pages)).pages:
        writer.add_page(page)
    writer.add_page(PdfReader(io.BytesIO(scanned_pdf([invoice_scan]))).pages[0])
    buf = io.BytesIO()
    writer.write(buf)
    result = read_document(buf.getvalue(), PDF)
    assert [p.method for p in result.pages] == ["text_layer", "text_layer", "ocr"]
    assert [p.number for p in result.pages] == [1, 2, 3]


def test_a_multi_frame_tiff_is_one_page_per_frame(invoice_scan):
    blank = Image.new("L", invoice_scan.size, 255)
    content = image_bytes([invoice_scan.point(lambda v: 255 if v > 128 else 0).convert("1"), blank.convert("1")],
                          "TIFF", compression="group4")  # fmt: skip
    result = read_document(content, TIFF)
    assert [p.method for p in result.pages] == ["ocr", "blank"]  # the blank frame never reaches Tesseract
    assert "Total Due" in result.pages[0].text and result.pages[1].text == ""
    assert result.gross.value == Decimal("80.40")


@pytest.mark.parametrize("mode", ["RGBA", "P", "I;16", "CMYK", "LA", "1"])
def test_odd_but_valid_image_modes_are_read(invoice_scan, mode):
    small = invoice_scan.crop((0, 0, 1400, 700))
    image = small.convert("I").point(lambda v: v * 256).convert("I;16") if mode == "I;16" else small.convert(mode)
    fmt = "JPEG" if mode == "CMYK" else "TIFF" if mode == "I;16" else "PNG"
    content_type = {"JPEG": JPEG, "TIFF": TIFF, "PNG": PNG}[fmt]
    result = read_document(image_bytes([image], fmt), content_type)
    assert "Brackenbury" in result.text


def test_a_tiny_image_reads_as_no_text_without_calling_tesseract(no_ocr):
    result = read_document(image_bytes([Image.new("L", (8, 8), 255)], "PNG"), PNG)
    assert result.pages[0].text == "" and result.warnings == ["No text was found in this document."]


def test_an_empty_password_pdf_is_read(no_ocr):
    from reportlab.lib.pdfencrypt import StandardEncryption

    content = make_pdf([INVOICE], encrypt=StandardEncryption("", ownerPassword="owner", canPrint=1))
    assert read_document(content, PDF).gross.value == Decimal("80.40")


@pytest.mark.parametrize(
    ("content", "content_type", "message"),
    [
        (b"%PDF-1.4\nnot really a pdf", PDF, "This PDF is damaged or incomplete"),
        (b"\x89PNG\r\n\x1a\nbroken", PNG, "This PNG image is damaged or incomplete"),
        (b"\xff\xd8\xff\xe0broken", JPEG, "This JPEG image is damaged or incomplete"),
        (b"II*\x00broken", TIFF, "This TIFF image is damaged or incomplete"),
        (b"hello", "text/plain", "cannot be read; upload a PDF, PNG, JPEG or TIFF"),
    ],
)
def test_unreadable_content_raises_read_error_in_plain_words(content, content_type, message):
    with pytest.raises(ReadError) as caught:
        read_document(content, content_type)
    assert message in caught.value.message


def test_a_truncated_or_password_protected_pdf_raises_read_error(invoice_pdf):
    from reportlab.lib.pdfencrypt import StandardEncryption

    with pytest.raises(ReadError, match="damaged or incomplete"):
        read_document(invoice_pdf[: len(invoice_pdf) // 3], PDF)
    locked = make_pdf([INVOICE], encrypt=StandardEncryption("secret", ownerPassword="owner"))
    with pytest.raises(ReadError, match="password-protected"):
        read_document(locked, PDF)


def test_too_many_pages_is_a_read_error(no_ocr):
    with pytest.raises(ReadError, match="3 pages; the limit is 2"):
        read_document(make_pdf([INVOICE] * 3), PDF, max_pages=2)


def test_an_ocr_timeout_becomes_a_read_error_naming_the_page(monkeypatch, invoice_scan):
    import pytesseract

    def slow(*args, timeout=0, **kwargs):
        assert timeout == 7
        raise RuntimeError("Tesseract process timeout")

    monkeypatch.setattr(pytesseract, "image_to_data", slow)
    with pytest.raises(ReadError) as caught:
        read_document(image_bytes([invoice_scan, invoice_scan], "TIFF"), TIFF, ocr_timeout=7)
    assert caught.value.message == "OCR took longer than 7 s on page 1."


def test_a_real_tesseract_timeout_is_reported(invoice_scan):
    with pytest.raises(ReadError, match="OCR took longer than"):
        ocr.ocr_image(invoice_scan, timeout=0.001)


def test_missing_tesseract_is_an_operations_error_not_a_read_error(monkeypatch, invoice_scan):
    import pytesseract

    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    with pytest.raises(OcrUnavailable):
        ocr.ocr_image(invoice_scan)


def test_ocr_keeps_wide_gaps_as_columns_and_line_confidences(invoice_scan):
    page = ocr.ocr_image(invoice_scan)
    total = next(line for line in page.lines if "Total Due" in line.text)
    assert "   " in total.text and 0.5 < total.confidence <= 1
    assert 0.7 < page.confidence <= 1


def _fake_ocr(monkeypatch, first: str, second: str, *, contrast: float = 0.25, confidence: float = 0.9) -> list[bool]:
    """OCR that reads ``first`` normally and ``second`` with enhanced contrast; returns the calls' ``enhance``.

    ``contrast``: the tones' span the first reading reports (0.25: a faded scan, a candidate for a second one).
    """
    calls: list[bool] = []

    def fake(image, *, page_number=1, psm=6, timeout=60, enhance=False):
        calls.append(enhance)
        text = second if enhance else first
        conf = confidence if enhance else 0.9
        return ocr.OcrPage([ocr.Line(line, conf) for line in text.splitlines()], conf, 0.01, contrast=contrast)

    monkeypatch.setattr(ocr, "ocr_image", fake)
    return calls


GOOD_TEXT = "\n".join(INVOICE)
# The subtotal misread in two digits: nothing adds up any more (one misread digit would be corrected by the
# arithmetic itself, extraction/reread.py, and need no second reading).
MISREAD = GOOD_TEXT.replace("£67.00", "£91.00")


def test_a_second_reading_with_more_contrast_is_kept_when_it_adds_up(monkeypatch, invoice_scan):
    calls = _fake_ocr(monkeypatch, MISREAD, GOOD_TEXT)
    result = read_document(image_bytes([invoice_scan], "PNG"), PNG)
    assert calls == [False, True]
    assert result.arithmetic_ok and result.net.value == Decimal("67.00") and result.warnings == []
    assert result.pages[0].seconds > 0  # both readings count as time spent on the page


def test_the_first_reading_stays_when_the_second_does_not_add_up_either(monkeypatch, invoice_scan):
    calls = _fake_ocr(monkeypatch, MISREAD, MISREAD.replace("£13.40", "£13.90"))
    result = read_document(image_bytes([invoice_scan], "PNG"), PNG)
    assert calls == [False, True]
    assert not result.arithmetic_ok and result.vat.value == Decimal("13.40")
    assert "The lines add up to £67.00 but the net total says £91.00." in result.warnings


def test_when_neither_reading_adds_up_the_surer_one_is_kept(monkeypatch, invoice_scan):
    calls = _fake_ocr(monkeypatch, MISREAD, MISREAD.replace("£13.40", "£13.90"), confidence=0.97)
    result = read_document(image_bytes([invoice_scan], "PNG"), PNG)
    assert calls == [False, True]
    assert not result.arithmetic_ok and result.vat.value == Decimal("13.90")


def test_no_second_reading_when_the_first_adds_up_or_there_was_no_ocr(monkeypatch, invoice_scan):
    calls = _fake_ocr(monkeypatch, GOOD_TEXT, MISREAD)
    assert read_document(image_bytes([invoice_scan], "PNG"), PNG).arithmetic_ok
    assert calls == [False]
    calls.clear()
    assert not read_document(make_pdf([MISREAD.splitlines()]), PDF).arithmetic_ok  # a text layer is read once
    assert calls == []


def test_the_received_date_reaches_the_issue_date_check(no_ocr):
    from datetime import date

    misread = [line.replace("05/03/2026", "05/03/2028") for line in INVOICE]
    result = read_document(make_pdf([misread]), "application/pdf", received_on=date(2026, 3, 9))
    assert result.issue_date.value == date(2026, 3, 5)
    assert any("05 Mar 2028" in w for w in result.warnings)
    unchecked = read_document(make_pdf([misread]), "application/pdf")
    assert unchecked.issue_date.value == date(2028, 3, 5)


def test_no_second_reading_of_a_page_whose_contrast_a_stretch_would_not_change(monkeypatch, invoice_scan):
    calls = _fake_ocr(monkeypatch, MISREAD, GOOD_TEXT, contrast=0.7)
    assert not read_document(image_bytes([invoice_scan], "PNG"), PNG).arithmetic_ok
    assert calls == [False]


def test_only_the_faded_pages_are_read_again(monkeypatch, invoice_scan):
    """Two frames: the second is faded (low contrast); only it is read a second time."""
    calls: list[tuple[int, bool]] = []

    def fake(image, *, page_number=1, psm=6, timeout=60, enhance=False):
        calls.append((page_number, enhance))
        text = "Page one of the order" if page_number == 1 else (GOOD_TEXT if enhance else MISREAD)
        return ocr.OcrPage([ocr.Line(line, 0.9) for line in text.splitlines()], 0.9, 0.01,
                           contrast=0.8 if page_number == 1 else 0.2)  # fmt: skip

    monkeypatch.setattr(ocr, "ocr_image", fake)
    result = read_document(image_bytes([invoice_scan, invoice_scan], "TIFF"), TIFF)
    assert calls == [(1, False), (2, False), (2, True)]
    assert result.arithmetic_ok and result.pages[0].text == "Page one of the order"


def test_keyword_context_passes_through_to_extract_fields(monkeypatch, invoice_pdf):
    from apps.documents.extraction import reader

    seen = {}

    def fake_extract(pages, **kwargs):
        seen.update(kwargs)
        return real(pages, **{k: v for k, v in kwargs.items() if k.startswith("own_")})

    real = reader.extract_fields
    monkeypatch.setattr(reader, "extract_fields", fake_extract)
    read_document(invoice_pdf, PDF, own_names=["Hollybush Bakery Ltd"], received_on="2026-03-06")
    assert seen["received_on"] == "2026-03-06" and seen["own_names"] == ("Hollybush Bakery Ltd",)
