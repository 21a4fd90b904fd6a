"""Staff with roles, and elevations, for the permissions tests."""

from __future__ import annotations

import factory

from apps.permissions.models import StaffRoleGrant
from tests.factories import UserFactory


class StaffRoleGrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffRoleGrant

    user = factory.SubFactory(UserFactory, is_staff=True)
    role = "support"
    reason = "Test grant"


def make_staff(*roles: str, **user_kwargs):
    """A staff user holding these staff roles."""
    user = UserFactory(is_staff=True, **user_kwargs)
    for role in roles:
        StaffRoleGrantFactory(user=user, role=role)
    return user


def elevate(staff, tenant, *, minutes: int = 30, reason: str = "Ticket SR-7 audit: checking the owner's report"):
    """An approved elevation of ``staff`` into ``tenant``, through the real services (an officer approves)."""
    from apps.permissions.services.elevation import approve_elevation, request_elevation

    officer = make_staff("security_officer")
    elevation = request_elevation(requester=staff, verified=True, tenant=tenant, reason=reason, minutes=minutes)
    return approve_elevation(elevation_id=elevation.pk, approver=officer, verified=True)
