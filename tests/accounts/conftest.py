"""Fixtures for the accounts tests: users with known passwords, a staff user, a business owner."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from apps.accounts.models import User
from apps.tenancy.models import Membership, Role, Tenant
from tests.accounts.helpers import PASSWORD


@pytest.fixture
def make_user(db) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def make(email: str | None = None, password: str = PASSWORD, **extra) -> User:
        return User.objects.create_user(email or f"person{next(counter)}@example.test", password, **extra)

    return make


@pytest.fixture
def plain_user(make_user) -> User:
    return make_user("bookkeeper@example.test", full_name="Bea Bookkeeper")


@pytest.fixture
def staff(make_user) -> User:
    from tests.factories.permissions import StaffRoleGrantFactory

    user = make_user("staff@example.test", is_staff=True)
    StaffRoleGrantFactory(user=user, role="support")  # the console needs a staff role
    return user


@pytest.fixture
def owner(make_user) -> User:
    user = make_user("owner@example.test")
    tenant = Tenant.objects.create(name="Owen's Bakery Ltd", slug="owens-bakery", status=Tenant.Status.ACTIVE)
    Membership.objects.create(user=user, tenant=tenant, role=Role.OWNER)
    return user
