"""A screen changed beyond the threshold fails the comparison and writes a diff image; noise does not."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from tests.visual.compare import CHANNEL_TOLERANCE, MAX_DIFF_PIXELS, compare

BASELINES = Path(__file__).resolve().parents[1] / "visual" / "baselines"


@pytest.fixture
def baseline(tmp_path) -> Path:
    committed = sorted(BASELINES.glob("*.png"))
    assert committed, "no committed baselines"
    path = tmp_path / committed[0].name
    shutil.copy(committed[0], path)
    return path


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_an_identical_screenshot_passes(baseline, tmp_path):
    result = compare("same", baseline, baseline.read_bytes(), tmp_path / "out")
    assert result.passed and result.differing_pixels == 0
    assert not (tmp_path / "out" / "same.diff.png").exists()


def test_antialiasing_noise_within_the_tolerance_passes(baseline, tmp_path):
    image = Image.open(baseline).convert("RGB")
    noisy = Image.eval(image, lambda v: min(255, v + CHANNEL_TOLERANCE // 2))
    assert compare("noise", baseline, png(noisy), tmp_path / "out").passed


def test_a_changed_screen_fails_and_writes_a_diff_image(baseline, tmp_path):
    image = Image.open(baseline).convert("RGB")
    ImageDraw.Draw(image).rectangle([20, 20, 80, 40], fill=(200, 0, 0))  # a new badge, a moved button…
    result = compare("changed", baseline, png(image), tmp_path / "out")
    assert not result.passed
    assert result.differing_pixels > MAX_DIFF_PIXELS
    assert result.diff_path == tmp_path / "out" / "changed.diff.png" and result.diff_path.exists()
    assert (tmp_path / "out" / "changed.actual.png").exists()
    diff = Image.open(result.diff_path).convert("RGB")
    assert diff.getpixel((50, 30)) == (220, 0, 0)  # the changed pixels are marked
    assert "pixels differ" in result.describe()


def test_a_resized_screen_fails(baseline, tmp_path):
    image = Image.open(baseline).convert("RGB")
    taller = Image.new("RGB", (image.width, image.height + 10), "white")
    taller.paste(image, (0, 0))
    result = compare("resized", baseline, png(taller), tmp_path / "out")
    assert not result.passed and result.size_changed and result.diff_path.exists()


def test_a_changed_word_in_the_browser_is_caught(page, tmp_path):
    """The same path as the suite: Chromium renders, the comparer judges."""
    page.set_content("<p style='font: 16px \"DejaVu Sans\"'>Approve and post</p>")
    before = tmp_path / "before.png"
    before.write_bytes(page.locator("p").screenshot(animations="disabled", caret="hide"))
    page.set_content("<p style='font: 16px \"DejaVu Sans\"'>Approve and pest</p>")
    result = compare("word", before, page.locator("p").screenshot(animations="disabled", caret="hide"), tmp_path)
    assert not result.passed and result.diff_path.exists()
