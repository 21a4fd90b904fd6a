"""Seeding for the system suites, in one place: businesses, people with TOTP, documents.

Everything is written through the application's own services (``create_tenant``
seeds the chart of accounts, ``add_member`` audits) or the shared factories,
and committed, because the server under test is another process. Names carry a
random suffix so that journeys never share a person (a TOTP code is accepted
once) or a business.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.models import User
from apps.permissions.models import StaffRoleGrant
from apps.tenancy.models import Role, Tenant
from apps.tenancy.services import add_member, create_tenant
from tests.factories import DEFAULT_PASSWORD, UserFactory, valid_gb_vat


@dataclass
class Person:
    user: User
    password: str
    device: TOTPDevice | None

    @property
    def email(self) -> str:
        return self.user.email

    def totp(self) -> str:
        """The code an authenticator app would show now, computed from the seeded device's secret."""
        assert self.device is not None, "this person has no TOTP device"
        self.device.refresh_from_db()
        totp = TOTP(self.device.bin_key, self.device.step, self.device.t0, self.device.digits, self.device.drift)
        return f"{totp.token():0{self.device.digits}d}"


def _suffix() -> str:
    return uuid.uuid4().hex[:8]


def person(name: str, *, totp: bool = True, staff: bool = False) -> Person:
    suffix = _suffix()
    user = UserFactory(email=f"{name.lower().replace(' ', '.')}.{suffix}@e2e.strongroom.test", full_name=name,
                       is_staff=staff)  # fmt: skip
    if staff:  # the console needs a staff role; support is the least one
        StaffRoleGrant.objects.create(user=user, role="support", reason="seeded for a journey")
    device = TOTPDevice.objects.create(user=user, name="Authenticator", confirmed=True) if totp else None
    return Person(user=user, password=DEFAULT_PASSWORD, device=device)


def business(name: str, *, owner: Person | None = None, n: int = 0) -> tuple[Tenant, Person]:
    """An active VAT-registered business with its chart of accounts and an owner (with TOTP)."""
    owner = owner or person("Olive Owner")
    suffix = _suffix()
    slug = f"{name.lower().split()[0]}-{suffix}"
    tenant = create_tenant(
        name=name, slug=slug, owner=owner.user, vat_number=valid_gb_vat(int(suffix, 16) % 1_000_000 + n),
        status=Tenant.Status.ACTIVE,
    )  # fmt: skip
    return tenant, owner


def member(tenant: Tenant, name: str, role: str = Role.BOOKKEEPER, *, actor: User) -> Person:
    someone = person(name)
    add_member(tenant=tenant, user=someone.user, role=role, actor=actor)
    return someone
