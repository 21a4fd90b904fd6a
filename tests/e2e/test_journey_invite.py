"""Journey 6: an owner invites someone new; they open the link from the email, create their account,
set up two-factor (owners must) and land in the business.

The email is the one the server sent: the served processes write mail to files
(tests/e2e/mailbox.py) and the journey reads the link from it, as the
invitee would from their inbox.
"""

from __future__ import annotations

import base64
import re
import uuid
from urllib.parse import urlsplit

from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from tests.e2e.mailbox import body_of, use_file_outbox, wait_for_email
from tests.e2e.pages import sign_in

use_file_outbox()  # at import: before the session's server starts


def code_for(secret: str) -> str:
    """What an authenticator app shows for the setup key the page printed."""
    secret = "".join(secret.split()).upper()
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{TOTP(key).token():06d}"


def test_an_invited_person_registers_from_the_email_and_sees_the_business(page: Page, seeded, e2e_stack):
    tenant, owner = seeded.business("Cobham Bakery Ltd")
    invitee = f"nadia.{uuid.uuid4().hex[:8]}@e2e.strongroom.test"

    # The owner invites a new address from the team page.
    sign_in(page, owner)
    page.goto(f"/t/{tenant.slug}/team/")
    page.get_by_label("Email address").fill(invitee)
    page.get_by_label("Role", exact=True).select_option(label="Owner")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text(f"Invitation sent to {invitee}.")).to_be_visible()
    page.context.clear_cookies()  # the invitee is someone else, on their own browser

    # The invitee opens the link from the email.
    email = wait_for_email(invitee)
    assert tenant.name in email["Subject"]
    link = re.search(r"Accept: (\S+)", body_of(email)).group(1)
    page.goto(urlsplit(link).path)
    expect(page.get_by_role("heading", name=f"Join {tenant.name}")).to_be_visible()
    expect(page.get_by_label("Email address")).to_have_value(invitee)

    # A weak password is refused with the reason; then the account is created.
    page.get_by_label("Your full name").fill("Nadia Okafor")
    page.get_by_label("Choose a password").fill("short")
    page.get_by_role("button", name="Create account and join").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    page.get_by_label("Choose a password").fill("walnut ledger harbour 42")
    page.get_by_role("button", name="Create account and join").click()

    # Owners sign in with a second factor: set it up, then on to the business.
    expect(page.get_by_role("heading", name="Set up two-factor authentication")).to_be_visible()
    secret = page.locator("code.secret").inner_text().strip()
    page.get_by_label("Code from your authenticator app").fill(code_for(secret))
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    page.get_by_role("link", name="I have saved my codes, continue").click()

    expect(page.get_by_role("heading", name=tenant.name, level=1)).to_be_visible()
    assert urlsplit(page.url).path == f"/t/{tenant.slug}/"

    # The link worked once: opened again, the page says so and names no business (the header's
    # business switcher does, now that the invitee is a member).
    response = page.goto(urlsplit(link).path)
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="This invitation cannot be used")).to_be_visible()
    assert tenant.name not in page.locator("main").inner_text()
