"""Visual regression: every gallery state screenshotted and compared with tests/visual/baselines/.

Stable by construction: Chromium from Debian, viewport 1280×800 at scale 1,
fonts pinned to DejaVu (the pinned fonts-dejavu-core package; checked here),
animations and the caret off, the page image a drawn stand-in, only the
component (``main``) captured (not the header with the signed-in person).
``make visual-update`` (VISUAL_UPDATE=1) writes the baselines instead.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.e2e.browser import ARTIFACTS
from tests.e2e.fixtures import *  # noqa: F403

BASELINES = Path(__file__).resolve().parent / "baselines"
FONT_PACKAGE = "fonts-dejavu-core"
FONT_VERSION = os.environ.get("VISUAL_FONT_VERSION", "2.37-6")  # the Makefile pins the same
PIN_FONTS_CSS = (
    ':root { --font-sans: "DejaVu Sans", sans-serif !important; '
    '--font-mono: "DejaVu Sans Mono", monospace !important; }'
)
UPDATE = os.environ.get("VISUAL_UPDATE") == "1"


def installed_version(package: str) -> str:
    try:
        return subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True,
                              check=True).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return ""


@pytest.fixture(scope="session")
def visual_environment(browser) -> dict[str, str]:
    """Fonts must be the pinned package; the Chromium version is recorded with the baselines and reported."""
    fonts = installed_version(FONT_PACKAGE)
    if fonts != FONT_VERSION:
        pytest.fail(f"{FONT_PACKAGE} {fonts or 'is not installed'}; the baselines need {FONT_VERSION} (make visual)")
    environment = {"chromium": browser.version, FONT_PACKAGE: fonts}
    if UPDATE:
        BASELINES.mkdir(parents=True, exist_ok=True)
        (BASELINES / "ENVIRONMENT.json").write_text(json.dumps(environment, indent=2) + "\n")
    return environment


@pytest.fixture(scope="session")
def staff_session(browser, browser_context_args, e2e_stack, django_db_blocker, tmp_path_factory):
    """A verified staff sign-in (password + TOTP once per run), saved as storage state for every screenshot."""
    from tests.e2e import seed
    from tests.e2e.pages import sign_in

    with django_db_blocker.unblock():
        staff = seed.person("Gallery Staff", staff=True)
        context = browser.new_context(**{**browser_context_args, "base_url": e2e_stack.url})
        page = context.new_page()
        sign_in(page, staff, next_path="/staff/components/")
    state = tmp_path_factory.mktemp("visual") / "staff.json"
    context.storage_state(path=str(state))
    context.close()
    return state


@pytest.fixture
def gallery_page(browser, browser_context_args, e2e_stack, staff_session, visual_environment):
    from tests.visual.assets import page_png

    args = {**browser_context_args, "base_url": e2e_stack.url}
    context = browser.new_context(**args, storage_state=str(staff_session), bypass_csp=True)
    page = context.new_page()
    png = page_png()
    page.route("**/documents/*/pages/*.png", lambda r: r.fulfill(status=200, content_type="image/png", body=png))
    yield page
    context.close()


__all__ = ["ARTIFACTS", "BASELINES", "PIN_FONTS_CSS", "UPDATE"]
