"""Two-factor set-up, backup codes, management, and the middleware that requires it."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.helpers import PASSWORD, add_backup_codes, add_totp_device, totp_code, verified_login, wrong_code
from tests.helpers import audit_events

SETUP = reverse("accounts:2fa-setup")
MANAGE = reverse("accounts:2fa")
BACKUP_CODES = reverse("accounts:2fa-backup-codes")
REGENERATE = reverse("accounts:2fa-backup-codes-regenerate")
REMOVE = reverse("accounts:2fa-remove")

pytestmark = pytest.mark.django_db


def codes_in(html: str) -> list[str]:
    block = html.split('class="backup-codes"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r"<code>([a-z2-7]{8})</code>", block)


# --- middleware -------------------------------------------------------------


def test_staff_without_device_is_sent_to_setup_from_staff_console(client, staff):
    client.force_login(staff)

    response = client.get("/staff/")

    assert response.status_code == 302
    assert response["Location"] == f"{SETUP}?next=%2Fstaff%2F"


def test_owner_without_device_is_sent_to_setup_from_portal(client, owner):
    client.force_login(owner)

    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == f"{SETUP}?next=%2F"


def test_htmx_request_gets_hx_redirect(client, staff):
    client.force_login(staff)

    response = client.get("/staff/", headers={"HX-Request": "true"})

    assert response.status_code == 401
    assert response["HX-Redirect"] == SETUP


def test_user_with_device_but_unverified_session_is_asked_for_a_code(client, staff):
    device = add_totp_device(staff)
    client.force_login(staff)

    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login-verify')}?next=%2Fstaff%2F"

    response = client.post(reverse("accounts:login-verify"), {"otp_token": totp_code(device), "next": "/staff/"})
    assert response.status_code == 302
    assert response["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200


def test_plain_user_is_not_forced_to_enrol(client, plain_user):
    client.force_login(plain_user)

    assert client.get("/").status_code == 200


def test_verified_staff_passes(client, staff):
    verified_login(client, staff)

    assert client.get("/staff/").status_code == 200


# --- enrolment --------------------------------------------------------------


def test_enrolment_end_to_end(client, staff):
    client.force_login(staff)

    page = client.get(f"{SETUP}?next=/staff/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    assert "data:" not in main and " style=" not in main and "<script" not in main
    device = TOTPDevice.objects.get(user=staff)
    assert not device.confirmed
    assert device.name == "Authenticator app"
    secret = page.context["secret"]
    assert secret.replace(" ", "") in html.replace(" ", "")
    assert 'autocomplete="one-time-code"' in html and 'inputmode="numeric"' in html

    # Reloading keeps the same secret (an app that already scanned stays valid).
    assert client.get(SETUP).context["secret"] == secret
    assert TOTPDevice.objects.filter(user=staff).count() == 1

    response = client.post(SETUP, {"otp_token": totp_code(device), "next": "/staff/"})
    assert response.status_code == 302
    assert response["Location"] == f"{BACKUP_CODES}?next=%2Fstaff%2F"
    device.refresh_from_db()
    assert device.confirmed

    shown = client.get(response["Location"])
    assert shown.status_code == 200
    codes = codes_in(shown.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    assert 'href="/staff/"' in shown.content.decode()
    assert {"max-age=0", "no-store"} <= {part.strip() for part in shown["Cache-Control"].split(",")}
    assert set(StaticToken.objects.filter(device__user=staff).values_list("token", flat=True)) == set(codes)

    again = client.get(BACKUP_CODES)
    assert again.status_code == 302
    assert again["Location"] == MANAGE

    # The session is verified: the staff console opens.
    console = client.get("/staff/")
    assert console.status_code == 200
    assert console.wsgi_request.user.is_verified()
    assert len(audit_events(action="accounts.2fa.enrolled", actor_id=str(staff.pk))) == 1

    # Set-up is done: the page now sends to management.
    assert client.get(SETUP)["Location"] == MANAGE


def test_enrolment_with_wrong_code(client, staff):
    client.force_login(staff)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=staff)

    response = client.post(SETUP, {"otp_token": wrong_code(device)})

    assert response.status_code == 400
    assert "That code is not valid" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert not StaticDevice.objects.filter(user=staff).exists()
    assert audit_events(action="accounts.2fa.failed")


def test_setup_needs_login(client, db):
    response = client.get(SETUP)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_backup_codes_page_without_codes_redirects(client, plain_user):
    client.force_login(plain_user)

    assert client.get(BACKUP_CODES)["Location"] == MANAGE


# --- management -------------------------------------------------------------


def test_management_page_shows_devices_and_codes_left(client, plain_user):
    verified_login(client, plain_user)
    add_backup_codes(plain_user, ["aaaa2222", "bbbb3333", "cccc4444"])

    response = client.get(MANAGE)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Authenticator app" in html
    assert "Backup codes left: <strong>3</strong>" in html
    assert 'id="id_regenerate_otp_token"' in html and 'id="id_remove_otp_token"' in html


def test_management_page_without_device_offers_setup(client, plain_user):
    client.force_login(plain_user)

    response = client.get(MANAGE)

    assert response.status_code == 200
    assert SETUP in response.content.decode()


def test_management_needs_a_verified_session_when_a_device_exists(client, plain_user):
    add_totp_device(plain_user)
    client.force_login(plain_user)

    response = client.get(MANAGE)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login-verify"))


def test_regenerate_backup_codes(client, plain_user):
    verified_login(client, plain_user)
    device = TOTPDevice.objects.get(user=plain_user)
    add_backup_codes(plain_user, ["oldd2222"])

    response = client.post(REGENERATE, {"otp_token": totp_code(device)})

    assert response.status_code == 302
    assert response["Location"] == BACKUP_CODES
    codes = codes_in(client.get(BACKUP_CODES).content.decode())
    assert len(codes) == 10
    tokens = set(StaticToken.objects.filter(device__user=plain_user).values_list("token", flat=True))
    assert tokens == set(codes)
    assert "oldd2222" not in tokens
    assert len(audit_events(action="accounts.2fa.backup_codes_regenerated")) == 1


def test_regenerate_with_wrong_code_changes_nothing(client, plain_user):
    verified_login(client, plain_user)
    device = TOTPDevice.objects.get(user=plain_user)
    add_backup_codes(plain_user, ["oldd2222"])

    response = client.post(REGENERATE, {"otp_token": wrong_code(device)})

    assert response.status_code == 400
    assert "That code is not valid" in response.content.decode()
    assert list(StaticToken.objects.filter(device__user=plain_user).values_list("token", flat=True)) == ["oldd2222"]
    assert audit_events(action="accounts.2fa.failed")


def test_regenerate_refuses_a_backup_code(client, plain_user):
    verified_login(client, plain_user)
    add_backup_codes(plain_user, ["oldd2222"])

    response = client.post(REGENERATE, {"otp_token": "oldd2222"})

    assert response.status_code == 400
    assert StaticToken.objects.filter(token="oldd2222").exists()


def test_session_verified_by_backup_code_survives_regeneration(client, plain_user):
    device = add_totp_device(plain_user)
    static = add_backup_codes(plain_user, ["abcd2345"])
    verified_login(client, plain_user, device=static)

    client.post(REGENERATE, {"otp_token": totp_code(device)})

    assert client.get(MANAGE).wsgi_request.user.is_verified()


def test_removal_refused_for_staff(client, staff):
    verified_login(client, staff)
    device = TOTPDevice.objects.get(user=staff)

    page = client.get(MANAGE).content.decode()
    assert "cannot be removed" in page

    response = client.post(REMOVE, {"password": PASSWORD, "otp_token": totp_code(device)})

    assert response.status_code == 403
    assert "required for your account" in response.content.decode()
    assert TOTPDevice.objects.filter(user=staff).exists()
    assert not audit_events(action="accounts.2fa.removed")


def test_removal_refused_for_owner(client, owner):
    verified_login(client, owner)
    device = TOTPDevice.objects.get(user=owner)

    response = client.post(REMOVE, {"password": PASSWORD, "otp_token": totp_code(device)})

    assert response.status_code == 403
    assert TOTPDevice.objects.filter(user=owner).exists()


def test_removal_allowed_for_bookkeeper(client, plain_user):
    verified_login(client, plain_user)
    device = TOTPDevice.objects.get(user=plain_user)
    add_backup_codes(plain_user, ["abcd2345"])

    response = client.post(REMOVE, {"password": PASSWORD, "otp_token": totp_code(device)})

    assert response.status_code == 302
    assert response["Location"] == MANAGE
    assert not TOTPDevice.objects.filter(user=plain_user).exists()
    assert not StaticDevice.objects.filter(user=plain_user).exists()
    assert len(audit_events(action="accounts.2fa.removed", actor_id=str(plain_user.pk))) == 1


def test_removal_with_wrong_password_is_refused(client, plain_user):
    verified_login(client, plain_user)
    device = TOTPDevice.objects.get(user=plain_user)

    response = client.post(REMOVE, {"password": "not-it", "otp_token": totp_code(device)})

    assert response.status_code == 400
    assert "Your password is not correct." in response.content.decode()
    assert TOTPDevice.objects.filter(user=plain_user).exists()


def test_removal_with_wrong_code_is_refused(client, plain_user):
    verified_login(client, plain_user)
    device = TOTPDevice.objects.get(user=plain_user)

    response = client.post(REMOVE, {"password": PASSWORD, "otp_token": wrong_code(device)})

    assert response.status_code == 400
    assert TOTPDevice.objects.filter(user=plain_user).exists()


def test_management_actions_are_post_only(client, plain_user):
    verified_login(client, plain_user)

    assert client.get(REGENERATE).status_code == 405
    assert client.get(REMOVE).status_code == 405
