"""Every state of every gallery component looks as its committed baseline (tests/visual/baselines/)."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect

from apps.staff_console.gallery.registry import COMPONENTS, all_states
from tests.visual.compare import compare
from tests.visual.conftest import ARTIFACTS, BASELINES, PIN_FONTS_CSS, UPDATE

OUT = ARTIFACTS / "visual"


def screenshot_state(page: Page, component: str, state: str) -> bytes:
    """The component's root, once fonts, images and layout have settled."""
    response = page.goto(f"/staff/components/{component}/{state}/")
    assert response is not None and response.status == 200, f"{component}/{state}: {response and response.status}"
    page.add_style_tag(content=PIN_FONTS_CSS)
    page.evaluate("document.querySelectorAll('img[loading=lazy]').forEach(i => { i.loading = 'eager'; })")
    page.wait_for_function("[...document.images].every(i => i.complete)")
    page.evaluate("document.fonts.ready")
    root = page.locator(COMPONENTS[component].root)
    expect(root).to_be_visible()
    return root.screenshot(animations="disabled", caret="hide", scale="css")


@pytest.mark.parametrize(("component", "state"), all_states())
def test_state_matches_its_baseline(gallery_page: Page, visual_environment, component: str, state: str):
    name = f"{component}--{state}"
    png = screenshot_state(gallery_page, component, state)
    baseline = BASELINES / f"{name}.png"
    if UPDATE:
        baseline.parent.mkdir(parents=True, exist_ok=True)
        baseline.write_bytes(png)
        return
    if not baseline.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / f"{name}.actual.png").write_bytes(png)
        pytest.fail(f"no baseline for {name}: run `make visual-update` and commit tests/visual/baselines/{name}.png")
    result = compare(name, baseline, png, OUT)
    if not result.passed:
        recorded = BASELINES / "ENVIRONMENT.json"
        then = json.loads(recorded.read_text()) if recorded.exists() else {}
        pytest.fail(
            f"{result.describe()}\nbaselines made with {then}, this run {visual_environment}; if the change is "
            "intended, `make visual-update` and commit the new baselines"
        )
