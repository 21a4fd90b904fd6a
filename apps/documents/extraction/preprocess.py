"""Per-page image preparation before Tesseract: measure cheaply, then apply only the steps the page needs.

Why per page and by measurement: a clean 300-dpi scan or a rendered PDF page
reads best exactly as it is, and must cost no more than bare Tesseract
(``make bench-ocr``: pipeline <= 1.2x). A phone photo does not: Tesseract's
global (Otsu) threshold turns the darker side of an unevenly lit page into
black or white (issue #12: 100% -> 45% light lost the whole amounts column),
and a page turned more than a couple of degrees loses its lines. So each page
gets a few measurements on a small copy (milliseconds, PIL only):

* **unevenness**: how much the paper's brightness (text removed by a max
  filter) varies across the page; past ``UNEVEN`` the page's light is
  flattened (divided by its own background) and Tesseract is asked for
  adaptive Sauvola thresholding (``thresholding_method=2``);
* **skew**: the angle that makes text rows sharpest (projection profile);
  past ``SKEW_MIN`` degrees the page is turned straight.

A page that needs neither is handed over untouched (the fast path). The
thresholds were chosen on the golden set's scans and photo variants
(golden/gen/photo.py) and are recorded in docs/decisions/0029.
No numpy, no OpenCV: Pillow's C filters do each step in tens of milliseconds.
"""

from __future__ import annotations

import operator
import time
from dataclasses import dataclass

from PIL import Image, ImageFilter, ImageMath

MEASURE_WIDTH = 400  # pixels: the small copy the measurements use
UNEVEN = 0.18  # paper brightness spread (p95 - p5) / p95 past which the light is flattened
SKEW_MIN = 2.0  # degrees: below this Tesseract copes on its own (the golden scans tilt up to 1.5° and read well)
SKEW_MAX = 8.0  # degrees searched either way
FLOOR = 0.4  # the least paper brightness, as a share of the brightest, that flattening divides by
UPSCALE_BELOW = 200  # dpi: a photo under this is enlarged to UPSCALE_TO (200 dpi: measured no better, 2x slower)
UPSCALE_TO = 300
SAUVOLA = "-c thresholding_method=2"  # Tesseract 5.3 defaults (kfactor 0.34); 0.2 and 0.45 measured worse overall
_LEVELS = range(256)
_SQUARES = [v * v for v in range(256)]


@dataclass(frozen=True)
class Measurements:
    unevenness: float  # spread of the paper's brightness across the page, 0 (even) .. 1
    skew: float  # degrees the text is turned anticlockwise (rotate by -skew to straighten)
    seconds: float = 0.0


@dataclass(frozen=True)
class Prepared:
    image: Image.Image
    steps: tuple[str, ...] = ()  # what was done, for the page record and the bench ("" = fast path)
    tesseract_config: str = ""  # extra Tesseract options the steps call for
    measurements: Measurements | None = None
    scale: float = 1.0  # the image was enlarged this many times (its resolution with it)
    contrast: float = 1.0  # contrast_span of what Tesseract will see


def measure(grey: Image.Image, *, skew: bool = True) -> Measurements:
    """Unevenness and skew of a grayscale page, from a copy ``MEASURE_WIDTH`` pixels wide."""
    return _measure(_small(grey), skew=skew)


def _measure(small: Image.Image, *, skew: bool = True) -> Measurements:
    background = _background(small)
    p5, p95 = _percentile(background, 0.05), _percentile(background, 0.95)
    unevenness = (p95 - p5) / p95 if p95 else 1.0
    angle = estimate_skew(small, background) if skew else 0.0
    return Measurements(round(unevenness, 3), angle)


def prepare_page(grey: Image.Image, dpi: int = 300) -> Prepared:
    """The page as Tesseract should see it, with the steps taken; the input image is never modified."""
    started = time.monotonic()
    small = _small(grey)
    found = _measure(small)
    found = Measurements(found.unevenness, found.skew, time.monotonic() - started)
    steps: list[str] = []
    config = ""
    image = grey
    if found.unevenness > UNEVEN:
        image = flatten(image)
        steps.append("flatten")
        config = SAUVOLA
        steps.append("sauvola")
    scale = 1.0
    if steps and dpi < UPSCALE_BELOW:  # small text on a photo: enlarge it to what Tesseract reads best
        scale = UPSCALE_TO / dpi
        image = image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.BICUBIC)
        steps.append("upscale")
    if abs(found.skew) >= SKEW_MIN:
        image = image.rotate(found.skew * -1, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
        steps.append("deskew")
    contrast = contrast_span(image)
    return Prepared(image, tuple(steps), config, found, scale=scale, contrast=contrast)


def contrast_span(grey: Image.Image) -> float:
    """The share of 0-255 between the page's 1st and 99th percentile: what ``autocontrast(cutoff=1)`` stretches.

    Why: the second reading is that stretch (ocr.py, ``enhance``). It changes a
    page in proportion to 1 / span: a faded or sparse scan whose 1st-99th
    percentile spans a quarter of the range is stretched fourfold, a crisp one
    hardly at all, and a page whose two percentiles meet is left as it is (span
    1.0 here): rereading those would give the first reading again (reader.py,
    RETRY_CONTRAST).
    """
    if grey.width * grey.height > 1_000_000:  # every 4th pixel each way: the same tones (a reduced copy would
        grey = grey.resize((grey.width // 4, grey.height // 4), Image.Resampling.NEAREST)  # average ink away)
    histogram = grey.histogram()[:256]
    total = sum(histogram)
    low = high = None
    seen = 0
    for value, count in enumerate(histogram):
        seen += count
        if low is None and seen > 0.01 * total:
            low = value
        if seen >= 0.99 * total:
            high = value
            break
    if low is None or high is None or high <= low:
        return 1.0
    return (high - low) / 255


def flatten(grey: Image.Image) -> Image.Image:
    """Divide the page by its own paper brightness, so paper is white everywhere and ink keeps its contrast.

    A desk around a photographed page is its own background, so it turns white
    too, and the page's edge stays where it is (see ``_background``). The
    divisor never goes under ``FLOOR`` of the brightest paper: dividing a dark
    desk by itself would multiply its grain and JPEG noise into specks that
    Tesseract reads as letters.
    """
    small = _small(grey)
    background = _background(small)
    floor = FLOOR * _percentile(background, 0.95)
    background = background.resize(grey.size, Image.Resampling.BILINEAR)
    return ImageMath.lambda_eval(
        lambda args: args["convert"](args["min"](args["a"] * 255.0 / args["max"](args["b"], floor), 255.0), "L"),
        a=grey,
        b=background,
    )


def estimate_skew(small: Image.Image, background: Image.Image | None = None) -> float:
    """The text's angle in degrees by projection profile: the rotation whose row sums vary the most.

    Coarse 1° steps over ±SKEW_MAX, then 0.1° around the best only when that
    could reach SKEW_MIN (a straight or slightly tilted page, within 1°, costs
    the coarse search only: the decimals could not make it turn); ink is taken
    relative to the local paper (so a shadow is not mistaken for a text row).
    """
    background = background or _background(small)
    ink = ImageMath.lambda_eval(
        lambda args: args["convert"](args["max"](args["b"] - args["a"] - 20.0, 0.0) * 4.0, "L"),
        a=small,
        b=background,
    )
    ink = ink.point(lambda v: 255 if v > 40 else 0)

    def score(angle: float) -> int:
        turned = ink.rotate(angle, resample=Image.Resampling.NEAREST, expand=False, fillcolor=0)
        rows = turned.resize((1, turned.height), Image.Resampling.BOX).histogram()
        # The variance of the row means, from their histogram, times count² (the same for every angle): exact
        # integers, summed by map in C (the generator expressions were a third of a clean page's measuring).
        count = sum(rows)
        total = sum(map(operator.mul, rows, _LEVELS))
        return count * sum(map(operator.mul, rows, _SQUARES)) - total * total

    coarse = max((float(a) for a in range(-int(SKEW_MAX), int(SKEW_MAX) + 1)), key=score)
    if abs(coarse) + 0.9 < SKEW_MIN:  # the fine search cannot reach SKEW_MIN: the page is not turned either way
        return round(-coarse, 2)
    fine = max((coarse + step / 10 for step in range(-9, 10)), key=score)
    # rotate(angle) straightens the text, so the text is turned by -angle
    return round(-fine, 2)


def _small(grey: Image.Image) -> Image.Image:
    factor = max(1, -(-grey.width // MEASURE_WIDTH))
    return grey.reduce(factor) if factor > 1 else grey.copy()


def _background(small: Image.Image) -> Image.Image:
    """The paper's brightness without the ink: a morphological closing wider than a letter, on a quarter-size copy.

    Two 3x3 max filters at a quarter of ``small`` span about 20 of its pixels,
    wider than a letter, and remove the ink; two min filters then give back
    what is wider than that (a desk, a shadow's edge) at its place, so
    dividing by it leaves no dark band at a page's edge. A single wide rank
    filter would cost ten times as much.
    """
    tiny = small.reduce(4) if min(small.size) >= 64 else small.copy()
    for rank in (ImageFilter.MaxFilter, ImageFilter.MaxFilter, ImageFilter.MinFilter, ImageFilter.MinFilter):
        tiny = tiny.filter(rank(3))
    return tiny.resize(small.size, Image.Resampling.BILINEAR)


def _percentile(image: Image.Image, share: float) -> int:
    histogram = image.histogram()
    wanted, seen = share * sum(histogram), 0
    for value, count in enumerate(histogram):
        seen += count
        if seen >= wanted:
            return value
    return 255
