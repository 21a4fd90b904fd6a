"""Journey: "Connect to HMRC" when HMRC's sign-in page is on another origin, as it always is in production.

The other journeys use the local sandbox HMRC on the portal's own origin, so a
Content Security Policy that blocks the redirect to HMRC (``form-action
'self'``) went unseen there while the button did nothing in production. Here
the portal is served on ``http://127.0.0.1:P`` and HMRC_AUTHORIZE_URL points
at the same sandbox through ``http://localhost:P``: another origin (and
another site) for the browser, with its own cookies. The token exchange stays
server to server on SITE_URL's sandbox, as before.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page, expect
from stdnum.gb import vat as gb_vat

from tests.e2e.browser import ARTIFACTS
from tests.e2e.pages import sign_in
from tests.e2e.stack import Stack


@pytest.fixture(scope="module")
def cross_origin_stack(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Stack]:
    """A web server of its own whose HMRC sign-in page is reached through ``localhost``, not ``127.0.0.1``."""
    if not settings.DATABASES["default"]["ENGINE"].endswith("backends.postgresql"):
        pytest.skip("end-to-end journeys need PostgreSQL (a server process shares the test database)")
    logs = ARTIFACTS / os.environ.get("STRONGROOM_SUITE", "e2e") / "logs" / "hmrc-cross-origin"
    stack = Stack(log_dir=logs, media_root=tmp_path_factory.mktemp("media-cross-origin"))
    stack.extra_env = {"HMRC_AUTHORIZE_URL": f"http://localhost:{stack.web_port}/sandbox/hmrc/oauth/authorize"}
    with django_db_blocker.unblock():
        try:
            stack.start_web()  # two workers: the token exchange calls this same server
            yield stack
        finally:
            stack.stop()


@pytest.fixture
def cross_origin_page(browser: Browser, browser_context_args, cross_origin_stack: Stack) -> Iterator[Page]:
    context = browser.new_context(**{**browser_context_args, "base_url": cross_origin_stack.url})
    try:
        yield context.new_page()
    finally:
        context.close()


def test_owner_connects_to_hmrc_on_another_origin(cross_origin_page: Page, cross_origin_stack: Stack, seeded):
    page = cross_origin_page
    tenant, owner = seeded.business("Heron Ceramics Ltd")
    sign_in(page, owner)

    page.goto(f"/t/{tenant.slug}/integrations/hmrc/")
    expect(page.get_by_role("heading", name="HMRC connection", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Status: Not connected")).to_be_visible()
    page.get_by_role("button", name="Connect to HMRC").click()

    # HMRC's grant page, on the other origin (a blocked redirect would leave the browser on the portal).
    expect(page.get_by_role("heading", name="Sandbox Government Gateway: grant authority")).to_be_visible()
    assert page.url.startswith(f"http://localhost:{cross_origin_stack.web_port}/sandbox/hmrc/oauth/authorize?")
    vrn = gb_vat.compact(tenant.vat_number)[:9]  # the business's own: a grant for another VRN is set aside
    page.get_by_label("VAT registration number you act for").fill(vrn)
    page.get_by_role("button", name="Grant authority").click()

    # Back on the portal's origin, still signed in, connected.
    expect(page.get_by_role("heading", name="Status: Connected")).to_be_visible()
    assert page.url == f"{cross_origin_stack.url}/t/{tenant.slug}/integrations/hmrc/"
    expect(page.get_by_text("Connected to HMRC. Strongroom can now fetch VAT obligations")).to_be_visible()
    expect(page.get_by_text(f"by {owner.user.get_full_name()}")).to_be_visible()
    # The callback asked HMRC, as this person, whether the grant covers the business's VRN.
    expect(page.get_by_text(f"HMRC confirmed the permission covers GB {vrn}")).to_be_visible()
