"""Browser settings shared by the system suites: Debian's Chromium, pinned viewport, no network chatter.

Imported into the conftest of tests/e2e, tests/visual and tests/gates. Never
``playwright install``: the browser is the distribution's (make e2e installs it).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("STRONGROOM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # Stable rendering for screenshots: one font configuration, no LCD subpixel tricks, no smooth scrolling.
    "--font-render-hinting=none",
    "--disable-lcd-text",
    "--force-color-profile=srgb",
    "--disable-smooth-scrolling",
    "--hide-scrollbars",
]
# Playwright's sync API runs an event loop in the test thread; the ORM calls the journeys make to seed
# and read are ordinary synchronous calls in that thread, so Django's async guard is lifted here only.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# The test process (which seeds HMRC connections) and the served processes must agree on the sandbox
# client secret; by default each derives it from its own SECRET_KEY. Read at call time, so set here.
os.environ.setdefault("HMRC_CLIENT_SECRET", "e2e-sandbox-client-secret-not-a-real-one")
VIEWPORT = {"width": 1280, "height": 800}
ARTIFACTS = Path(
    os.environ.get("STRONGROOM_TEST_ARTIFACTS", Path(__file__).resolve().parents[2] / "var" / "test-artifacts")
)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make e2e` installs Debian's chromium (never `playwright install`)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "viewport": VIEWPORT,
        "device_scale_factor": 1,
        "locale": "en-GB",
        "timezone_id": "Europe/London",
        "color_scheme": "light",
        "reduced_motion": "reduce",
        "service_workers": "block",
    }
