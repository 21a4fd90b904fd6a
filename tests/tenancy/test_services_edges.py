"""Tenancy services refuse what they must: unknown roles and settings, writes outside the tenant, repeats."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from apps.tenancy import services
from apps.tenancy.errors import TenancyError, TenantContextError
from apps.tenancy.models import Membership, Role
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_unknown_roles_are_refused_everywhere(tenant_a, owner_a, in_tenant):
    with pytest.raises(TenancyError, match="is not a role"):
        services.add_member(tenant=tenant_a, user=UserFactory(), role="emperor", actor=owner_a)
    membership = Membership.objects.get(user=owner_a)
    with in_tenant(tenant_a):
        with pytest.raises(TenancyError, match="is not a role"):
            services.change_role(membership=membership, role="emperor", actor=owner_a)
        with pytest.raises(TenancyError, match="is not a role"):
            services.invite_member(tenant=tenant_a, email="new@example.test", role="emperor", actor=owner_a)


def test_adding_a_member_twice_is_refused(tenant_a, owner_a, bookkeeper_a):
    with pytest.raises(TenancyError, match="already a member"):
        services.add_member(tenant=tenant_a, user=bookkeeper_a, role=Role.VIEWER, actor=owner_a)


def test_settings_outside_the_form_and_writes_outside_the_tenant_are_refused(tenant_a, tenant_b, owner_a, in_tenant):
    with in_tenant(tenant_a), pytest.raises(TenancyError, match="cannot be changed here: status"):
        services.update_tenant_settings(tenant=tenant_a, actor=owner_a, data={"status": "closed"})
    with in_tenant(tenant_b), pytest.raises(TenantContextError, match="outside its context"):
        services.update_tenant_settings(tenant=tenant_a, actor=owner_a, data={"name": "Renamed Ltd"})


def test_a_taken_address_is_a_validation_error(tenant_a):
    with pytest.raises(ValidationError, match="taken"):
        services.validate_slug_available(tenant_a.slug)
    services.validate_slug_available("a-free-address-for-sure")


def test_a_token_cannot_be_revoked_twice(tenant_a, owner_a, in_tenant):
    membership = MembershipFactory(tenant=tenant_a, role=Role.BOOKKEEPER)
    with in_tenant(tenant_a):
        token, _ = services.create_api_token(membership=membership, name="scanner", actor=owner_a)
        services.revoke_api_token(token=token, actor=owner_a)
        with pytest.raises(TenancyError, match="already revoked"):
            services.revoke_api_token(token=token, actor=owner_a)
