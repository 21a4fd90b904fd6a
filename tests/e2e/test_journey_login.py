"""Journey 1: sign in with a password and a TOTP code; repeated failures lock the sign-in."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def test_sign_in_with_password_and_totp_reaches_the_business(page: Page, seeded):
    tenant, owner = seeded.business("Aldgate Joinery Ltd")

    page.goto(f"/t/{tenant.slug}/")
    expect(page).to_have_url(f"{page.url.split('/accounts')[0]}/accounts/login/?next=/t/{tenant.slug}/")
    page.get_by_label("Email address").fill(owner.email)
    page.get_by_label("Password").fill(owner.password)
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    expect(page.get_by_text(f"Signing in as {owner.email}")).to_be_visible()
    page.get_by_label("Code from your authenticator app").fill("000000" if owner.totp() != "000000" else "111111")
    page.get_by_role("button", name="Verify", exact=True).click()
    expect(page.get_by_text("That code is not valid")).to_be_visible()  # a wrong code is refused, with a reason
    page.wait_for_timeout(1_100)  # django-otp throttles the next try for 1 s after a failure (as a person would wait)

    page.get_by_label("Code from your authenticator app").fill(owner.totp())
    page.get_by_role("button", name="Verify", exact=True).click()
    expect(page.get_by_role("heading", name="Aldgate Joinery Ltd", level=1)).to_be_visible()
    expect(page.get_by_text("You are owner of this business.")).to_be_visible()


def test_wrong_passwords_lock_the_sign_in_and_say_so(page: Page, seeded):
    _, owner = seeded.business("Bramley Florists Ltd")

    page.goto("/accounts/login/")
    for attempt in range(1, 7):
        page.get_by_label("Email address").fill(owner.email)
        page.get_by_label("Password").fill(f"not the password {attempt}")
        page.get_by_role("button", name="Continue").click()
        if page.get_by_role("heading", name="Sign-in locked").count():
            break
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_role("heading", name="Sign-in locked")).to_be_visible()
    expect(page.get_by_text("Too many failed sign-in attempts")).to_be_visible()
    assert attempt <= 5, f"locked only after {attempt} failures"

    # Locked means locked: the right password does not get in either.
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill(owner.email)
    page.get_by_label("Password").fill(owner.password)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Sign-in locked")).to_be_visible()
    expect(page.get_by_role("heading", name="Enter your code")).to_have_count(0)
