"""preprocess: each decision on synthetic pages made here (a page rendered by reportlab and pdfium)."""

from __future__ import annotations

from decimal import Decimal

from PIL import Image, ImageChops

from apps.documents.extraction import ocr, preprocess
from apps.documents.extraction.reader import read_document

from .conftest import image_bytes

PNG = "image/png"


def lit_from_one_side(page: Image.Image, darkest: float = 0.45) -> Image.Image:
    """The page under light falling from 100% on the left to ``darkest`` on the right (a lamp to one side)."""
    ramp = Image.linear_gradient("L").rotate(90, expand=True).resize(page.size)  # 255 left .. 0 right
    low = round(255 * darkest)
    ramp = ramp.point(lambda v: low + (255 - low) * v // 255)
    toned = page.point(lambda v: 40 + v * (238 - 40) // 255)  # a photo: ink not black, paper not white
    return ImageChops.multiply(toned, ramp)


def test_a_clean_page_takes_the_fast_path_and_is_not_altered(invoice_scan):
    before = invoice_scan.tobytes()
    prepared = preprocess.prepare_page(invoice_scan)
    assert prepared.steps == () and prepared.tesseract_config == "" and prepared.scale == 1
    assert prepared.image is invoice_scan and invoice_scan.tobytes() == before
    assert prepared.measurements.unevenness < preprocess.UNEVEN
    assert abs(prepared.measurements.skew) < preprocess.SKEW_MIN


def test_a_page_lit_from_one_side_is_flattened_and_its_amounts_read(invoice_scan):
    photo = lit_from_one_side(invoice_scan)
    found = preprocess.measure(photo)
    assert found.unevenness > preprocess.UNEVEN
    prepared = preprocess.prepare_page(photo)
    assert prepared.steps[:2] == ("flatten", "sauvola")
    assert prepared.tesseract_config == preprocess.SAUVOLA
    assert preprocess.measure(prepared.image).unevenness < preprocess.UNEVEN  # the paper is even afterwards
    result = read_document(image_bytes([photo], "PNG"), PNG)
    assert (result.net.value, result.vat.value, result.gross.value) == (
        Decimal("67.00"),
        Decimal("13.40"),
        Decimal("80.40"),
    )
    assert result.arithmetic_ok


def test_a_turned_page_is_measured_within_half_a_degree_and_straightened(invoice_scan):
    for angle in (5.0, -3.5):
        turned = invoice_scan.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
        found = preprocess.measure(turned)
        assert abs(found.skew - angle) <= 0.5, (angle, found.skew)
        prepared = preprocess.prepare_page(turned)
        assert "deskew" in prepared.steps and "flatten" not in prepared.steps
        assert abs(preprocess.measure(prepared.image).skew) <= 0.5


def test_a_slight_tilt_is_left_to_tesseract(invoice_scan):
    tilted = invoice_scan.rotate(1.0, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    assert preprocess.prepare_page(tilted).steps == ()


def test_a_small_uneven_photo_is_enlarged_and_tesseract_told_its_new_resolution(invoice_scan):
    small = lit_from_one_side(invoice_scan.resize((invoice_scan.width // 2, invoice_scan.height // 2)))
    prepared = preprocess.prepare_page(small, dpi=150)
    assert "upscale" in prepared.steps and prepared.scale == 2
    assert prepared.image.size == (small.width * 2, small.height * 2)
    small.info["dpi"] = (150, 150)
    _, dpi, config, steps, _ = ocr.prepare(small)
    assert dpi == 300 and "upscale" in steps and config == preprocess.SAUVOLA


def test_contrast_span_is_what_a_stretch_would_change(invoice_scan):
    faded = Image.new("L", (200, 200), 210)
    faded.paste(150, (0, 0, 200, 60))  # 30% grey "ink" on grey paper: a fourfold stretch
    assert ocr.contrast_span(faded) < 0.3
    crisp = Image.new("L", (200, 200), 250)
    crisp.paste(5, (0, 0, 200, 60))
    assert ocr.contrast_span(crisp) > 0.9
    assert ocr.contrast_span(invoice_scan) == 1.0  # under 1% ink: the percentiles meet, a stretch changes nothing


def test_specks_at_the_ends_of_a_photo_line_are_trimmed_but_an_amount_stays():
    data = {
        "level": [5] * 5,
        "text": ["rs", "Unsalted", "butter", "£126.00", "i"],
        "conf": [23, 96, 93, 31, 20],
        "block_num": [1] * 5,
        "par_num": [1] * 5,
        "line_num": [1] * 5,
        "left": [10, 100, 300, 900, 1100],
        "width": [30, 180, 120, 140, 10],
        "height": [30] * 5,
    }
    (line,) = ocr._lines(data, trim_specks=True)
    assert line.text.startswith("Unsalted butter") and line.text.endswith("£126.00")
    (untrimmed,) = ocr._lines(data)
    assert untrimmed.text.startswith("rs")


def test_the_page_goes_to_tesseract_as_an_uncompressed_tiff_whatever_the_source_carried(invoice_scan):
    """Issue #18: Tesseract reads a raw TIFF faster than the PGM it replaced; a fax TIFF's group4 (1-bit only)
    must not follow the grey page into that file."""
    page = invoice_scan.copy()
    page.info.update({"compression": "group4", "dpi": (300, 300)})
    prepared, dpi, *_ = ocr.prepare(page)
    assert prepared.format == "TIFF" and prepared.info == {} and dpi == 300
    assert page.info["compression"] == "group4"  # the caller's image is left alone
    read = ocr.ocr_image(page)
    assert any("Total Due" in line.text for line in read.lines)
