"""Screenshot comparison with Pillow: count pixels that differ beyond a per-channel tolerance.

A screen "changed beyond the threshold" when more than ``max_diff_pixels``
pixels differ by more than ``channel_tolerance`` in any channel, or when the
size changed. On failure a diff image is written: the new screenshot faded to
grey with every differing pixel in red, next to the actual screenshot.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops

# Anti-aliasing of the same glyph on the same fonts and Chromium differs by a few levels at most;
# a changed word, colour or layout changes hundreds of pixels by far more.
CHANNEL_TOLERANCE = 32
MAX_DIFF_PIXELS = 20


@dataclass(frozen=True)
class Comparison:
    name: str
    differing_pixels: int
    total_pixels: int
    size_changed: bool
    diff_path: Path | None

    @property
    def passed(self) -> bool:
        return not self.size_changed and self.differing_pixels <= MAX_DIFF_PIXELS

    def describe(self) -> str:
        if self.size_changed:
            return f"{self.name}: size changed (see {self.diff_path})"
        share = self.differing_pixels / self.total_pixels if self.total_pixels else 0
        return (
            f"{self.name}: {self.differing_pixels} pixels differ ({share:.3%}; threshold {MAX_DIFF_PIXELS} pixels)"
            + (f"; diff image {self.diff_path}" if self.diff_path else "")
        )


def differing_mask(expected: Image.Image, actual: Image.Image, tolerance: int = CHANNEL_TOLERANCE) -> Image.Image:
    """A 1-bit mask of the pixels where any channel differs by more than ``tolerance``."""
    diff = ImageChops.difference(expected.convert("RGB"), actual.convert("RGB"))
    channels = [band.point(lambda v: 255 if v > tolerance else 0) for band in diff.split()]
    mask = channels[0]
    for band in channels[1:]:
        mask = ImageChops.lighter(mask, band)
    return mask.convert("1")


def compare(name: str, expected_path: Path, actual_png: bytes | Path, out_dir: Path) -> Comparison:
    """Compare a screenshot with its baseline; write actual and diff images to ``out_dir`` when they differ."""
    import io

    actual = Image.open(io.BytesIO(actual_png) if isinstance(actual_png, bytes) else actual_png).convert("RGB")
    expected = Image.open(expected_path).convert("RGB")
    out_dir.mkdir(parents=True, exist_ok=True)
    if expected.size != actual.size:
        diff_path = out_dir / f"{name}.diff.png"
        side = Image.new("RGB", (expected.width + actual.width, max(expected.height, actual.height)), "white")
        side.paste(expected, (0, 0))
        side.paste(actual, (expected.width, 0))
        side.save(diff_path)
        actual.save(out_dir / f"{name}.actual.png")
        return Comparison(name, -1, actual.width * actual.height, True, diff_path)
    mask = differing_mask(expected, actual)
    count = mask.convert("L").histogram()[255]
    result = Comparison(name, count, actual.width * actual.height, False, None)
    if count > MAX_DIFF_PIXELS:
        faded = Image.blend(actual.convert("L").convert("RGB"), Image.new("RGB", actual.size, "white"), 0.6)
        faded.paste(Image.new("RGB", actual.size, (220, 0, 0)), mask=mask)
        diff_path = out_dir / f"{name}.diff.png"
        faded.save(diff_path)
        actual.save(out_dir / f"{name}.actual.png")
        result = Comparison(name, count, result.total_pixels, False, diff_path)
    return result
