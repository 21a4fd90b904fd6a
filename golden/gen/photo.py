"""Make a born-digital page look photographed with a phone: light, shadow, angle, creases, JPEG (seeded).

Why: scans (gen/scan.py) are flat and nearly straight; a phone photo of an
invoice on a desk is not. Issue #12 measured an independent set of such
photos at 49-97% per degradation, the worst being uneven light (100% -> 45%
across the page: Tesseract's global threshold loses the darker side). Each
variant here is an existing golden document re-rendered with one named
degradation (or all of them), so its truth is the original's.

Every random choice comes from ``random.Random(seed)``; PIL only, so the
bytes are the same on every machine with the pinned Pillow.
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass, replace

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageOps

from .model import DocSpec
from .scan import rasterise

DESK = 70  # the grey of the desk around a photographed page
DEGRADATIONS = ("gradient", "shadow", "rotation", "perspective", "crumple", "lowres", "all")


@dataclass(frozen=True)
class Variant:
    number: int  # the variant's own golden number
    original: int  # the golden document it photographs
    degradation: str  # one of DEGRADATIONS
    angle: float = 0.0  # degrees, for rotation (and "all")


# Twelve one-page originals across the four layouts; numbers 060-071.
VARIANTS = (
    Variant(60, 1, "gradient"),
    Variant(61, 3, "gradient"),
    Variant(62, 4, "shadow"),
    Variant(63, 9, "rotation", 5.0),
    Variant(64, 10, "rotation", -6.0),
    Variant(65, 12, "perspective"),
    Variant(66, 11, "crumple"),
    Variant(67, 13, "lowres"),
    Variant(68, 15, "all", 4.0),
    Variant(69, 18, "all", -3.0),
    Variant(70, 20, "all", 2.5),
    Variant(71, 2, "all", -5.0),
)


def variant_spec(original: DocSpec, variant: Variant) -> DocSpec:
    """The original's spec (same truth) under the variant's number and name, as a photo JPEG."""
    extra = dict(original.extra) | {"photo": variant.degradation, "photo_of": original.name}
    extra.pop("save_as", None)
    return replace(
        original,
        number=variant.number,
        slug=f"{original.slug}-photo-{variant.degradation}",
        output="jpg",
        dpi=150 if variant.degradation in ("lowres", "all") else 200,
        extra=extra,
    )


def photo_bytes(pdf: bytes, spec: DocSpec, variant: Variant) -> bytes:
    (page,) = rasterise(pdf, spec.dpi)  # one-page originals only
    rng = random.Random(spec.seed)  # noqa: S311 - reproducible noise, not security
    image = photograph(page, rng, variant)
    quality = 60 if variant.degradation in ("lowres", "all") else 80
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=quality, dpi=(spec.dpi, spec.dpi))
    page.close()
    image.close()
    return buf.getvalue()


def photograph(page: Image.Image, rng: random.Random, variant: Variant) -> Image.Image:
    """Apply the variant's degradation(s) to a grayscale page; every variant gets paper tone, blur and grain."""
    kind = variant.degradation
    every = kind == "all"
    image = page.point(lambda v: 40 + v * (238 - 40) // 255)  # ink is never black nor paper white in a photo
    if kind == "crumple" or every:
        image = crumple(image, rng)
    if kind in ("rotation", "perspective") or every:
        image = place_on_desk(image, rng, angle=variant.angle, keystone=kind == "perspective" or every)
    if kind == "gradient" or every:
        image = light_gradient(image, rng, darkest=0.45)
    if kind == "shadow" or every:
        image = shadow(image, rng)
    image = image.filter(ImageFilter.GaussianBlur(0.6))
    width, height = image.size
    noise = Image.frombytes("L", (width, height), rng.randbytes(width * height)).point(lambda v: v * 12 // 255)
    return ImageChops.subtract(image, noise)


def light_gradient(image: Image.Image, rng: random.Random, *, darkest: float) -> Image.Image:
    """Light falling off across the page from 100% to ``darkest``, at a random angle (a lamp to one side)."""
    ramp = Image.linear_gradient("L").rotate(rng.uniform(0, 360), resample=Image.Resampling.BILINEAR, expand=False)
    ramp = ImageOps.autocontrast(ramp.crop((48, 48, 208, 208))).resize(image.size, Image.Resampling.BILINEAR)
    low = round(255 * darkest)
    ramp = ramp.point(lambda v: 255 - (255 - low) * v // 255)
    return ImageChops.multiply(image, ramp)


def shadow(image: Image.Image, rng: random.Random) -> Image.Image:
    """A soft shadow (the phone or a hand) over one corner, down to ~55% of the light."""
    width, height = image.size
    mask = Image.new("L", image.size, 255)
    draw = ImageDraw.Draw(mask)
    cx, cy = rng.choice((0, width)), rng.uniform(0.3, 0.8) * height
    rx, ry = width * rng.uniform(0.45, 0.6), height * rng.uniform(0.3, 0.4)
    draw.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=140)
    mask = mask.filter(ImageFilter.GaussianBlur(width / 25))
    return ImageChops.multiply(image, mask)


def crumple(image: Image.Image, rng: random.Random) -> Image.Image:
    """Creased paper: low-frequency shading (88-100%) and a few soft fold lines."""
    width, height = image.size
    field = Image.frombytes("L", (6, 8), bytes(rng.randint(225, 255) for _ in range(48)))
    field = field.resize(image.size, Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(field)
    for _ in range(3):
        x0, x1 = rng.uniform(0, width), rng.uniform(0, width)
        draw.line((x0, 0, x1, height), fill=rng.randint(205, 225), width=max(2, width // 150))
    field = field.filter(ImageFilter.GaussianBlur(width / 200))
    return ImageChops.multiply(image, field)


def place_on_desk(image: Image.Image, rng: random.Random, *, angle: float, keystone: bool) -> Image.Image:
    """The page on a darker desk, turned by ``angle`` and, with ``keystone``, seen from a little below."""
    width, height = image.size
    margin = width // 14
    desk = Image.new("L", (width + 2 * margin, height + 2 * margin), DESK)
    desk.paste(image, (margin, margin))
    if keystone:  # the far edge looks narrower: map the output rectangle onto a trapezoid of the input
        inset = width * rng.uniform(0.04, 0.06)
        w, h = desk.size
        corners = [(-inset, 0), (w + inset, 0), (w, h), (0, h)]  # top widened in the source = narrowed on screen
        coefficients = perspective_coefficients([(0, 0), (w, 0), (w, h), (0, h)], corners)
        desk = desk.transform(desk.size, Image.Transform.PERSPECTIVE, coefficients, Image.Resampling.BICUBIC,
                              fillcolor=DESK)  # fmt: skip
    if angle:
        desk = desk.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=DESK)
    return desk


def perspective_coefficients(
    destination: list[tuple[float, float]], source: list[tuple[float, float]]
) -> tuple[float, ...]:
    """PIL's eight PERSPECTIVE coefficients mapping each output corner to its source corner (Gauss-Jordan, no numpy)."""
    rows = []
    for (x, y), (u, v) in zip(destination, source, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y, u])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y, v])
    return tuple(solve(rows))


def solve(augmented: list[list[float]]) -> list[float]:
    """Solve a small linear system given as an augmented matrix, with partial pivoting."""
    size = len(augmented)
    m = [row[:] for row in augmented]
    for col in range(size):
        pivot = max(range(col, size), key=lambda r: abs(m[r][col]))
        if math.isclose(m[pivot][col], 0.0, abs_tol=1e-12):
            raise ValueError("singular system")
        m[col], m[pivot] = m[pivot], m[col]
        lead = m[col][col]
        m[col] = [value / lead for value in m[col]]
        for r in range(size):
            if r != col and m[r][col]:
                factor = m[r][col]
                m[r] = [a - factor * b for a, b in zip(m[r], m[col], strict=True)]
    return [row[-1] for row in m]
