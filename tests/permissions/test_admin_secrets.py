"""The admin never shows a sign-in secret, and never sets another person's password or email address.

A superuser who could read someone's TOTP key or set their password could
sign in as a business owner without the audited, time-boxed access grant.
Every admin change page is opened as a verified superuser and searched for
the secrets of a user who has a password, an authenticator app and backup codes.
"""

from __future__ import annotations

import base64

import pytest
from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.models import User
from apps.tenancy.models import Role
from tests.accounts.helpers import verified_login
from tests.conftest import make_member

pytestmark = pytest.mark.django_db

BACKUP_CODES = ["kq7wz3pa", "m4xv9rtd"]


@pytest.fixture
def victim(tenant_a) -> tuple[User, list[str]]:
    """An owner with a password, an authenticator app and backup codes: everything that must stay hidden."""
    owner = make_member(tenant_a, Role.OWNER)
    totp = TOTPDevice.objects.create(user=owner, name="Authenticator app", confirmed=True)
    backup = StaticDevice.objects.create(user=owner, name="Backup codes", confirmed=True)
    for code in BACKUP_CODES:
        StaticToken.objects.create(device=backup, token=code)
    owner.refresh_from_db()
    password_hash = owner.password.rsplit("$", 1)[-1]
    secrets = [
        totp.key,
        totp.key.upper(),
        base64.b32encode(bytes.fromhex(totp.key)).decode().rstrip("="),
        password_hash,
        owner.password,
        *BACKUP_CODES,
    ]
    return owner, secrets


@pytest.fixture
def root(client):
    user = User.objects.create_superuser("root@example.test", "a-long-enough-password-1")
    return verified_login(client, user)


def _admin_pages() -> list[str]:
    """The changelist and the change page of one row of every model registered in the admin."""
    pages = []
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        pages.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        for row in model_admin.get_queryset(_fake_request()).order_by("pk")[:3]:
            pages.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[row.pk]))
    return pages


def _fake_request():
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = User.objects.filter(is_superuser=True).first()
    return request


def test_no_admin_page_shows_a_sign_in_secret(root, victim):
    owner, secrets = victim
    pages = _admin_pages()
    assert reverse("admin:otp_totp_totpdevice_change", args=[TOTPDevice.objects.get(user=owner).pk]) in pages
    assert reverse("admin:accounts_user_change", args=[owner.pk]) in pages
    for page in pages:
        response = root.get(page, follow=True)
        assert response.status_code == 200, page
        body = response.content.decode()
        for secret in secrets:
            assert secret not in body, f"{page} shows a secret"
    # django-otp's own QR code and configuration pages are gone with its admin.
    device = TOTPDevice.objects.get(user=owner)
    for extra in ("config/", "qrcode/"):
        body = root.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]) + extra, follow=True)
        assert all(secret not in body.content.decode() for secret in secrets)


def test_no_one_s_password_can_be_set_in_the_admin(root, victim):
    owner, _ = victim
    for user in User.objects.all():
        url = reverse("admin:auth_user_password_change", args=[user.pk])
        assert url == f"/admin/accounts/user/{user.pk}/password/"
        assert root.get(url).status_code == 403
        refused = root.post(url, {"password1": "taken-over-99-x", "password2": "taken-over-99-x"})
        assert refused.status_code == 403
    owner.refresh_from_db()
    assert not owner.check_password("taken-over-99-x")
    change = root.get(reverse("admin:accounts_user_change", args=[owner.pk])).content.decode()
    assert "password/" not in change


def test_no_one_s_email_or_devices_can_be_changed_in_the_admin(root, victim):
    owner, _ = victim
    change = reverse("admin:accounts_user_change", args=[owner.pk])
    root.post(change, {"email": "root-alias@example.test", "full_name": "x", "is_active": "on",
                       "date_joined_0": "2025-01-01", "date_joined_1": "00:00:00"})  # fmt: skip
    owner.refresh_from_db()
    assert owner.email != "root-alias@example.test"
    for model in (TOTPDevice, StaticDevice):
        opts = model._meta
        assert root.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == 403
        device = model.objects.get(user=owner)
        delete = reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[device.pk])
        assert root.post(delete, {"post": "yes"}).status_code == 403
        assert model.objects.filter(pk=device.pk).exists()


def test_the_admin_still_adds_users(root):
    try:
        add = reverse("admin:accounts_user_add")
    except NoReverseMatch:  # pragma: no cover
        pytest.fail("the user admin lost its add page")
    assert root.get(add).status_code == 200
