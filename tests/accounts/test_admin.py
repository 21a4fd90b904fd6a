"""The Django admin: only for staff with a verified second factor; no login page of its own."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse
from django_otp.admin import OTPAdminSite

from apps.accounts.models import User
from tests.accounts.helpers import verified_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(make_user) -> User:
    return make_user("root@example.test", is_staff=True, is_superuser=True)


def test_admin_site_requires_otp():
    assert isinstance(admin.site, OTPAdminSite)


def test_verified_superuser_uses_the_user_admin(client, superuser, make_user):
    make_user("listed@example.test", full_name="Listed Person")
    verified_login(client, superuser)

    changelist = client.get(reverse("admin:accounts_user_changelist"))
    assert changelist.status_code == 200
    assert "listed@example.test" in changelist.content.decode()
    assert client.get(reverse("admin:accounts_user_add")).status_code == 200
    assert client.get(reverse("admin:accounts_user_change", args=[superuser.pk])).status_code == 200


def test_admin_add_user_with_email_and_password(client, superuser):
    verified_login(client, superuser)

    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "New.Person@Example.test",
            "usable_password": "true",
            "password1": "sapphire-orchard-lamp-31",
            "password2": "sapphire-orchard-lamp-31",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert User.objects.get(email="new.person@example.test").check_password("sapphire-orchard-lamp-31")


def test_admin_login_sends_anonymous_users_to_our_login(client, db):
    response = client.get("/admin/")
    assert response.status_code == 302
    response = client.get(response["Location"])

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next=%2Fadmin%2F"


def test_admin_refuses_non_staff_without_a_loop(client, plain_user):
    client.force_login(plain_user)

    response = client.get("/admin/", follow=True)

    assert response.status_code == 403


def test_admin_login_ignores_foreign_next(client, superuser):
    verified_login(client, superuser)

    response = client.get("/admin/login/?next=https://evil.example/")

    assert response["Location"] == reverse("admin:index")
