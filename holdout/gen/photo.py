"""Rasterising and photo-like degradations, in PIL only (no numpy, no OpenCV): what a phone camera does to paper.

Each degradation takes an RGB page and a seeded ``random.Random`` and returns a new page. They are mild on
purpose: a person could read every figure on the result. ``scan`` is the clean counterpart (a flatbed scan).
"""

from __future__ import annotations

import io
import math
import random
import time
from collections.abc import Callable

import pypdfium2 as pdfium
from PIL import Image, ImageChops, ImageDraw, ImageFilter

DESK = (92, 74, 58)  # a wooden desk under the page
FIXED_DATE = time.gmtime(1775034000)  # 2026-04-01 09:00 UTC: image PDFs carry no run time


def rasterise(pdf: bytes, dpi: int, *, grey: bool = False) -> list[Image.Image]:
    document = pdfium.PdfDocument(pdf)
    try:
        pages = []
        for index in range(len(document)):
            bitmap = document[index].render(scale=dpi / 72, grayscale=grey)
            pages.append(bitmap.to_pil().convert("L" if grey else "RGB"))
        return pages
    finally:
        document.close()


def scan(page: Image.Image, rng: random.Random) -> Image.Image:
    """A flatbed scan: grey, a hair off square, a little toner speckle."""
    page = page.convert("L").rotate(rng.uniform(-0.6, 0.6), resample=Image.BICUBIC, fillcolor=255)
    return page.filter(ImageFilter.GaussianBlur(0.4))


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    n = len(b)
    m = [[*row, b[i]] for i, row in enumerate(a)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(n):
            if r != col:
                f = m[r][col] / m[col][col]
                m[r] = [x - f * y for x, y in zip(m[r], m[col], strict=True)]
    return [m[i][n] / m[i][i] for i in range(n)]


def _perspective_coeffs(dst: list[tuple[float, float]], src: list[tuple[float, float]]) -> list[float]:
    """Coefficients mapping output (dst) points to input (src) points, as PIL's PERSPECTIVE transform wants."""
    a, b = [], []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        b += [u, v]
    return _solve(a, b)


def _on_desk(page: Image.Image, margin: float) -> Image.Image:
    w, h = page.size
    pad = int(min(w, h) * margin)
    desk = Image.new("RGB", (w + 2 * pad, h + 2 * pad), DESK)
    desk.paste(page, (pad, pad))
    return desk


def perspective(page: Image.Image, rng: random.Random) -> Image.Image:
    """The phone held a little off-square: the page's far edge is narrower than the near one."""
    desk = _on_desk(page, 0.06)
    w, h = desk.size
    k = rng.uniform(0.03, 0.06)
    top_left, top_right = (w * k, h * k * 0.5), (w * (1 - k * 0.6), h * k * 0.3)
    src = [(0, 0), (w, 0), (w, h), (0, h)]
    dst = [top_left, top_right, (w * (1 - k * 0.1), h), (w * k * 0.2, h * (1 - k * 0.2))]
    return desk.transform((w, h), Image.PERSPECTIVE, _perspective_coeffs(dst, src), Image.BICUBIC, fillcolor=DESK)


def rotate(page: Image.Image, rng: random.Random) -> Image.Image:
    angle = rng.choice((-1, 1)) * rng.uniform(2, 7)
    return _on_desk(page, 0.03).rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor=DESK)


def _gradient(size: tuple[int, int], rng: random.Random, low: int) -> Image.Image:
    ramp = Image.linear_gradient("L").rotate(rng.uniform(0, 360), resample=Image.BICUBIC, expand=False,
                                             fillcolor=128)  # fmt: skip
    ramp = ramp.crop((48, 48, 208, 208)).resize(size, Image.BILINEAR)
    return ramp.point(lambda v: low + (255 - low) * v // 255)


def lighting(page: Image.Image, rng: random.Random) -> Image.Image:
    """Uneven light: one corner in the lamp, the other in the gloom, with a warm cast."""
    light = _gradient(page.size, rng, rng.randint(120, 150))
    warm = Image.merge("RGB", (light, light.point(lambda v: v * 245 // 255), light.point(lambda v: v * 220 // 255)))
    return ImageChops.multiply(page.convert("RGB"), warm)


def shadow(page: Image.Image, rng: random.Random) -> Image.Image:
    """The photographer's arm or phone casting a soft band of shadow across the page."""
    w, h = page.size
    mask = Image.new("L", (w, h), 255)
    draw = ImageDraw.Draw(mask)
    y = rng.uniform(0.2, 0.7) * h
    band = rng.uniform(0.12, 0.22) * h
    slope = rng.uniform(-0.25, 0.25) * w
    draw.polygon([(0, y), (w, y + slope), (w, y + slope + band), (0, y + band)], fill=rng.randint(150, 175))
    mask = mask.filter(ImageFilter.GaussianBlur(max(w, h) / 60))
    return ImageChops.multiply(page.convert("RGB"), Image.merge("RGB", (mask, mask, mask)))


def crumple(page: Image.Image, rng: random.Random) -> Image.Image:
    """Paper that was folded in a pocket: a gentle mesh warp and soft crease shading."""
    w, h = page.size
    nx, ny = 6, 8
    amp = min(w, h) * 0.006
    jitter = {(i, j): (rng.uniform(-amp, amp), rng.uniform(-amp, amp)) for i in range(nx + 1) for j in range(ny + 1)}
    for i in range(nx + 1):
        for j in (0, ny):
            jitter[(i, j)] = (0.0, 0.0)
    for j in range(ny + 1):
        for i in (0, nx):
            jitter[(i, j)] = (0.0, 0.0)

    def corner(i: int, j: int) -> tuple[float, float]:
        dx, dy = jitter[(i, j)]
        return (w * i / nx + dx, h * j / ny + dy)

    mesh = []
    for i in range(nx):
        for j in range(ny):
            box = (int(w * i / nx), int(h * j / ny), int(w * (i + 1) / nx), int(h * (j + 1) / ny))
            quad = (*corner(i, j), *corner(i, j + 1), *corner(i + 1, j + 1), *corner(i + 1, j))
            mesh.append((box, quad))
    warped = page.convert("RGB").transform((w, h), Image.MESH, mesh, Image.BICUBIC, fillcolor=(235, 235, 230))
    shade = Image.new("L", (w, h), 255)
    draw = ImageDraw.Draw(shade)
    for _ in range(rng.randint(3, 5)):
        x0, y0 = rng.uniform(0, w), rng.uniform(0, h)
        angle = rng.uniform(0, math.pi)
        length = max(w, h)
        draw.line([(x0 - length * math.cos(angle), y0 - length * math.sin(angle)),
                   (x0 + length * math.cos(angle), y0 + length * math.sin(angle))],
                  fill=rng.randint(185, 215), width=max(3, w // 120))  # fmt: skip
    shade = shade.filter(ImageFilter.GaussianBlur(w / 90))
    return ImageChops.multiply(warped, Image.merge("RGB", (shade, shade, shade)))


def blur(page: Image.Image, rng: random.Random) -> Image.Image:
    """Slightly out of focus or a shaky hand."""
    return page.filter(ImageFilter.GaussianBlur(rng.uniform(0.8, 1.2)))


def noise(page: Image.Image, rng: random.Random) -> Image.Image:
    """Sensor noise in a dim room."""
    w, h = page.size
    grain = Image.frombytes("L", (w, h), rng.randbytes(w * h)).filter(ImageFilter.GaussianBlur(0.5))
    return Image.blend(page.convert("RGB"), Image.merge("RGB", (grain, grain, grain)), 0.10)


DEGRADATIONS: dict[str, Callable[[Image.Image, random.Random], Image.Image]] = {
    "crumple": crumple, "perspective": perspective, "rotate": rotate, "lighting": lighting, "shadow": shadow,
    "blur": blur, "noise": noise,
}  # fmt: skip
# Not functions of the page: "dpi150" renders at 150 dpi; "jpeg" saves at a low JPEG quality.
ALL = (*DEGRADATIONS, "dpi150", "jpeg")


def photograph(page: Image.Image, steps: tuple[str, ...], rng: random.Random) -> Image.Image:
    page = page.convert("RGB")
    for step in ("crumple", "lighting", "shadow", "perspective", "rotate", "blur", "noise"):
        if step in steps:
            page = DEGRADATIONS[step](page, rng)
    return page


def encode(pages: list[Image.Image], output: str, dpi: int, *, quality: int = 80, title: str = "") -> bytes:
    buffer = io.BytesIO()
    first, rest = pages[0], pages[1:]
    if output == "jpg":
        first.save(buffer, "JPEG", quality=quality, dpi=(dpi, dpi), optimize=True)
    elif output == "png":
        first.save(buffer, "PNG", dpi=(dpi, dpi), optimize=True)
    elif output == "tif":
        first.save(buffer, "TIFF", compression="tiff_deflate", dpi=(dpi, dpi), save_all=True, append_images=rest)
    elif output == "scanpdf":
        first.save(buffer, "PDF", resolution=dpi, save_all=True, append_images=rest, quality=quality, title=title,
                   creationDate=FIXED_DATE, modDate=FIXED_DATE)  # fmt: skip
    else:
        raise ValueError(output)
    return buffer.getvalue()
