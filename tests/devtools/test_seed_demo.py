from __future__ import annotations

import pytest
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.models import User
from apps.permissions.selectors import staff_roles_of
from apps.tenancy.models import Membership, Role, Tenant


@pytest.mark.django_db
def test_seed_demo_creates_fictitious_data_and_prints_logins_once(settings, tmp_path, capsys):
    settings.VAR_DIR = tmp_path
    call_command("seed_demo")
    first = capsys.readouterr().out
    assert "TOTP secret:" in first and "owner@demo.strongroom.test" in first
    assert set(Tenant.objects.values_list("slug", flat=True)) == {"hollybush-bakery", "quayside-design"}
    bookkeeper = User.objects.get(email="bookkeeper@demo.strongroom.test")
    assert set(Membership.objects.filter(user=bookkeeper).values_list("role", flat=True)) == {Role.BOOKKEEPER}
    admin = User.objects.get(email="admin@demo.strongroom.test")
    assert admin.is_staff and TOTPDevice.objects.filter(user=admin, confirmed=True).exists()
    security = User.objects.get(email="security@demo.strongroom.test")
    assert staff_roles_of(admin) == {"platform_admin", "support"} and staff_roles_of(security) == {"security_officer"}
    assert first.count("TOTP secret:") == 2 and not security.is_superuser
    password = next(
        line.split("\t")[1]
        for line in (tmp_path / "demo-logins.txt").read_text().splitlines()
        if line.startswith("owner@")
    )
    assert User.objects.get(email="owner@demo.strongroom.test").check_password(password)

    call_command("seed_demo")
    again = capsys.readouterr().out
    assert "already seeded" in again and "TOTP secret:" not in again and password in again
    assert Tenant.objects.count() == 2


@pytest.mark.django_db
def test_seed_demo_refuses_production(settings):
    from django.core.management import CommandError

    settings.IS_PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo")
