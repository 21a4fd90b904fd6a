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
