"""Password reset by email, end to end."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.helpers import audit_events

NEW_PASSWORD = "amber-lantern-quarry-97"

pytestmark = pytest.mark.django_db


def request_reset(client, email: str):
    return client.post(reverse("accounts:password-reset"), {"email": email})


def reset_link() -> str:
    assert len(mail.outbox) == 1
    match = re.search(r"https?://[^/\s]+(/accounts/password-reset/[^/\s]+/[^/\s]+/)", mail.outbox[0].body)
    assert match, mail.outbox[0].body
    return match.group(1)


def test_reset_pages_render(client):
    page = client.get(reverse("accounts:password-reset"))
    assert page.status_code == 200
    assert 'autocomplete="email"' in page.content.decode()
    assert client.get(reverse("accounts:password-reset-done")).status_code == 200
    assert client.get(reverse("accounts:password-reset-complete")).status_code == 200


def test_password_reset_end_to_end(client, plain_user):
    response = request_reset(client, plain_user.email)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password-reset-done")
    assert mail.outbox[0].subject == "Reset your Strongroom password"
    assert mail.outbox[0].to == [plain_user.email]

    link = reset_link()
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    assert form_page.context["validlink"]
    set_password_url = form_page.redirect_chain[-1][0]

    response = client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password-reset-complete")

    plain_user.refresh_from_db()
    assert plain_user.check_password(NEW_PASSWORD)
    assert len(audit_events(action="accounts.password.reset", actor_id=str(plain_user.pk))) == 1

    # The link works once.
    again = client.get(link, follow=True)
    assert not again.context["validlink"]
    assert "This link no longer works" in again.content.decode()

    # And the new password signs in.
    login = client.post(reverse("accounts:login"), {"email": plain_user.email, "password": NEW_PASSWORD})
    assert login.status_code == 302


def test_unknown_email_sends_nothing_but_looks_the_same(client, db):
    response = request_reset(client, "nobody@example.test")

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password-reset-done")
    assert mail.outbox == []


def test_weak_new_password_is_refused(client, plain_user):
    request_reset(client, plain_user.email)
    set_password_url = client.get(reset_link(), follow=True).redirect_chain[-1][0]

    response = client.post(set_password_url, {"new_password1": "short", "new_password2": "short"})

    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()
    assert not audit_events(action="accounts.password.reset")


def test_reset_lifts_the_lockout(client, plain_user):
    for _ in range(5):
        client.post(reverse("accounts:login"), {"email": plain_user.email, "password": "wrong-password"})
    locked = client.post(reverse("accounts:login"), {"email": plain_user.email, "password": "wrong-password"})
    assert locked.status_code == 429

    request_reset(client, plain_user.email)
    set_password_url = client.get(reset_link(), follow=True).redirect_chain[-1][0]
    client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    response = client.post(reverse("accounts:login"), {"email": plain_user.email, "password": NEW_PASSWORD})
    assert response.status_code == 302
