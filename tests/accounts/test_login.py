"""Sign-in in two steps, sign-out, lockout and the CSRF failure page."""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.views._common import PENDING_LOGIN_SESSION_KEY
from tests.accounts.helpers import PASSWORD, add_backup_codes, add_totp_device, totp_code, wrong_code
from tests.helpers import audit_events

LOGIN = reverse("accounts:login")
VERIFY = reverse("accounts:login-verify")
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)")

pytestmark = pytest.mark.django_db


def post_password(client: Client, email: str, password: str = PASSWORD, **extra):
    return client.post(LOGIN, {"email": email, "password": password, **extra})


def session_user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def test_login_page_is_accessible_markup(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'for="id_email"' in html and 'for="id_password"' in html
    assert 'autocomplete="username"' in html and 'autocomplete="current-password"' in html
    assert "autofocus" in html
    assert "csrfmiddlewaretoken" in html
    assert not INLINE_SCRIPT.search(html) and " style=" not in html


def test_password_login_without_device_signs_in(client, plain_user):
    response = post_password(client, "Bookkeeper@Example.test")

    assert response.status_code == 302
    assert response["Location"] == reverse("portal-home")
    assert session_user_id(client) == str(plain_user.pk)
    assert audit_events(action="accounts.login.succeeded", actor_id=str(plain_user.pk))


def test_wrong_password_is_refused_without_saying_why(client, plain_user):
    response = post_password(client, plain_user.email, "not-the-password")

    assert response.status_code == 400
    assert "do not match an active account" in response.content.decode()
    assert session_user_id(client) is None
    assert audit_events(action="accounts.login.failed")


def test_unknown_email_gets_the_same_message(client, db):
    response = post_password(client, "nobody@example.test")

    assert response.status_code == 400
    assert "do not match an active account" in response.content.decode()


def test_inactive_user_gets_the_generic_message(client, make_user):
    user = make_user("gone@example.test", is_active=False)

    response = post_password(client, user.email)

    assert response.status_code == 400
    assert "do not match an active account" in response.content.decode()
    assert session_user_id(client) is None


def test_invalid_form_is_400(client, db):
    response = client.post(LOGIN, {"email": "not-an-email", "password": ""})

    assert response.status_code == 400
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert 'id="id_email_error"' in html and 'aria-describedby="id_email_error"' in html


def test_login_with_totp_device_needs_the_code(client, plain_user):
    device = add_totp_device(plain_user)

    response = post_password(client, plain_user.email)
    assert response.status_code == 302
    assert response["Location"] == VERIFY
    assert session_user_id(client) is None, "not signed in before the second step"

    page = client.get(VERIFY)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'autocomplete="one-time-code"' in html and 'inputmode="numeric"' in html

    response = client.post(VERIFY, {"otp_token": totp_code(device)})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal-home")
    assert session_user_id(client) == str(plain_user.pk)
    assert PENDING_LOGIN_SESSION_KEY not in client.session

    follow_up = client.get(reverse("accounts:2fa"))
    assert follow_up.status_code == 200
    assert follow_up.wsgi_request.user.is_verified()


def test_code_step_keeps_a_safe_next(client, plain_user):
    device = add_totp_device(plain_user)
    post_password(client, plain_user.email, next="/accounts/2fa/")

    response = client.post(VERIFY, {"otp_token": totp_code(device)})

    assert response["Location"] == "/accounts/2fa/"


def test_wrong_code_is_400_and_not_signed_in(client, plain_user):
    device = add_totp_device(plain_user)
    post_password(client, plain_user.email)

    response = client.post(VERIFY, {"otp_token": wrong_code(device)})

    assert response.status_code == 400
    assert "That code is not valid" in response.content.decode()
    assert session_user_id(client) is None
    assert audit_events(action="accounts.2fa.failed", actor_id=str(plain_user.pk))


def test_empty_code_is_400(client, plain_user):
    add_totp_device(plain_user)
    post_password(client, plain_user.email)

    response = client.post(VERIFY, {"otp_token": ""})

    assert response.status_code == 400
    assert "Enter a code." in response.content.decode()


def test_too_many_wrong_codes_need_the_password_again(client, plain_user, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    device = add_totp_device(plain_user)
    post_password(client, plain_user.email)

    for _ in range(4):
        assert client.post(VERIFY, {"otp_token": wrong_code(device)}).status_code == 400
    response = client.post(VERIFY, {"otp_token": wrong_code(device)}, follow=True)

    assert response.redirect_chain[-1][0] == LOGIN
    assert "Too many wrong codes" in response.content.decode()
    assert PENDING_LOGIN_SESSION_KEY not in client.session


def test_backup_code_works_once(client, plain_user):
    add_totp_device(plain_user)
    add_backup_codes(plain_user, ["abcd2345", "efgh6723"])

    post_password(client, plain_user.email)
    response = client.post(VERIFY, {"backup_code": "ABCD-2345"})
    assert response.status_code == 302
    assert session_user_id(client) == str(plain_user.pk)
    assert len(audit_events(action="accounts.2fa.backup_code_used")) == 1

    client.post(reverse("accounts:logout"))
    post_password(client, plain_user.email)
    response = client.post(VERIFY, {"backup_code": "abcd2345"})
    assert response.status_code == 400
    assert session_user_id(client) is None


def test_expired_pending_sign_in_starts_again(client, plain_user):
    device = add_totp_device(plain_user)
    post_password(client, plain_user.email)
    session = client.session
    session[PENDING_LOGIN_SESSION_KEY]["started_at"] = time.time() - 301
    session.save()

    response = client.post(VERIFY, {"otp_token": totp_code(device)}, follow=True)

    assert response.redirect_chain[0][0].startswith(LOGIN)
    assert "Your sign-in took too long, enter your password again" in response.content.decode()
    assert session_user_id(client) is None


def test_verify_without_pending_sign_in_goes_to_login(client, db):
    response = client.get(VERIFY)

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_open_redirect_is_ignored(client, plain_user):
    response = post_password(client, plain_user.email, next="https://evil.example/steal")

    assert response.status_code == 302
    assert response["Location"] == reverse("portal-home")


def test_open_redirect_is_ignored_after_the_code_step(client, plain_user):
    device = add_totp_device(plain_user)
    post_password(client, plain_user.email, next="//evil.example/")

    response = client.post(VERIFY, {"otp_token": totp_code(device)})

    assert response["Location"] == reverse("portal-home")


def test_local_next_is_honoured(client, plain_user):
    response = post_password(client, plain_user.email, next="/accounts/2fa/")

    assert response["Location"] == "/accounts/2fa/"


def test_logout_get_is_405(client, plain_user):
    client.force_login(plain_user)

    assert client.get(reverse("accounts:logout")).status_code == 405
    assert session_user_id(client) == str(plain_user.pk)


def test_logout_post_signs_out(client, plain_user):
    client.force_login(plain_user)

    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert session_user_id(client) is None
    assert audit_events(action="accounts.logout.succeeded")


def test_lockout_after_five_failures_even_with_the_right_password(client, plain_user):
    for _ in range(5):
        response = post_password(client, plain_user.email, "wrong-password")
        assert response.status_code in {400, 429}

    response = post_password(client, plain_user.email)

    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many failed sign-in attempts for this account from your network" in html
    assert "Try again in an hour, or reset your password." in html
    assert session_user_id(client) is None


def test_lockout_is_per_account(client, plain_user, make_user):
    other = make_user("other@example.test")
    for _ in range(5):
        post_password(client, plain_user.email, "wrong-password")

    response = post_password(client, other.email)

    assert response.status_code == 302


def test_csrf_failure_renders_the_friendly_page(plain_user):
    client = Client(enforce_csrf_checks=True)

    response = client.post(LOGIN, {"email": plain_user.email, "password": PASSWORD})

    assert response.status_code == 403
    assert "This form had expired. Reload the page and try again." in response.content.decode()
