"""Small page helpers: what a person does, in words the journeys read."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.seed import Person


def sign_in(page: Page, person: Person, *, next_path: str = "") -> None:
    """Password, then the current TOTP code; ends on the page after sign-in."""
    page.goto("/accounts/login/" + (f"?next={next_path}" if next_path else ""))
    page.get_by_label("Email address").fill(person.email)
    page.get_by_label("Password").fill(person.password)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.get_by_label("Code from your authenticator app").fill(person.totp())
    page.get_by_role("button", name="Verify", exact=True).click()
    expect(page.get_by_role("heading", name="Enter your code")).to_have_count(0)
