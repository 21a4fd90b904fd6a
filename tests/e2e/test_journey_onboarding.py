"""Journey 2: a new owner signs up, turns on two-factor, and goes through the wizard to HMRC connected.

Companies House and HMRC are the local sandboxes, served by the same
gunicorn (SITE_URL is the server under test): the KYC check and the OAuth
token exchange are real HTTP calls from the server to them, and the grant page
is HMRC's sandbox Government Gateway in the browser.
"""

from __future__ import annotations

import base64
import uuid

from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from apps.sandbox.fixtures import DEMO_COMPANY_NAME, DEMO_COMPANY_NUMBER, DEMO_VRN


def code_for(secret: str) -> str:
    """What an authenticator app shows for the setup key the page printed."""
    secret = "".join(secret.split()).upper()  # shown in groups of four, as apps accept it
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{TOTP(key).token():06d}"


def test_sign_up_to_hmrc_connected(page: Page, e2e_stack):
    email = f"olive.{uuid.uuid4().hex[:8]}@e2e.strongroom.test"

    page.goto("/signup/")
    page.get_by_label("Your full name").fill("Olive Owner")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Choose a password").fill("walnut cabinet drawer 42")
    page.get_by_label("Business name").fill("Brightwater")
    page.get_by_role("button", name="Create account").click()

    # Owners must use two-factor: the authenticator set-up, with the key a person would type into the app.
    expect(page.get_by_role("heading", name="Set up two-factor authentication")).to_be_visible()
    secret = page.locator("code.secret").inner_text().strip()
    page.get_by_label("Code from your authenticator app").fill(code_for(secret))
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    page.get_by_role("link", name="I have saved my codes, continue").click()

    # The wizard: business details.
    expect(page.get_by_role("heading", name="Business details", level=1)).to_be_visible()
    expect(page.locator('[aria-current="step"]')).to_contain_text("Business details")
    page.get_by_label("Legal name").fill("")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()  # an empty legal name is refused, with a reason
    page.get_by_label("Legal name").fill(DEMO_COMPANY_NAME)
    page.get_by_label("Address line 1", exact=True).fill("4 Mill Lane")
    page.get_by_label("Town or city").fill("Leeds")
    page.get_by_label("Postcode").fill("LS1 4AB")
    page.get_by_role("button", name="Save and continue").click()

    # VAT and company numbers.
    expect(page.get_by_role("heading", name="VAT and company numbers", level=1)).to_be_visible()
    page.get_by_role("textbox", name="VAT registration number").fill(DEMO_VRN)
    page.get_by_role("textbox", name="Company number").fill(DEMO_COMPANY_NUMBER)
    page.get_by_role("button", name="Save and continue").click()

    # Companies House (sandbox) confirms the company.
    expect(page.get_by_role("heading", name="Companies House check", level=1)).to_be_visible()
    page.get_by_role("button", name="Check with Companies House").click()

    # HMRC: to the sandbox Government Gateway and back.
    expect(page.get_by_role("heading", name="Connect HMRC", level=1)).to_be_visible()
    page.get_by_role("button", name="Connect to HMRC").click()
    expect(page.get_by_role("heading", name="Sandbox Government Gateway: grant authority")).to_be_visible()
    page.get_by_label("VAT registration number you act for").fill(DEMO_VRN)
    page.get_by_role("button", name="Grant authority").click()

    expect(page.get_by_role("heading", name="Connect HMRC", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Connected to HMRC")).to_be_visible()
    expect(page.get_by_text(f"by {email}")).to_be_visible()
    done = page.locator(".wizard-step-done")
    expect(done).to_have_count(3)  # business, identifiers, Companies House; HMRC is done once continued
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="VAT scheme", level=1)).to_be_visible()
    expect(page.locator(".wizard-step-done")).to_have_count(4)
