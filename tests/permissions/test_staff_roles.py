"""Staff roles change only by another platform administrator, audited with before and after."""

from __future__ import annotations

import json

import pytest

from apps.audit.models import PLATFORM_CHAIN, AuditEvent
from apps.permissions.errors import ElevationRefused
from apps.permissions.models import StaffRoleGrant
from apps.permissions.services.staff_roles import grant_staff_role, revoke_staff_role
from apps.tenancy.context import db_tenant
from tests.factories import UserFactory
from tests.factories.permissions import make_staff

pytestmark = pytest.mark.django_db


def test_an_admin_grants_and_revokes_with_before_and_after_in_the_audit_log():
    admin = make_staff("platform_admin")
    person = make_staff("support")
    grant_staff_role(actor=admin, verified=True, user=person, role="sre", reason="On call from January")
    assert set(StaffRoleGrant.objects.filter(user=person).values_list("role", flat=True)) == {"support", "sre"}
    revoke_staff_role(actor=admin, verified=True, user=person, role="support")
    with db_tenant(PLATFORM_CHAIN):
        bodies = [json.loads(e.body) for e in AuditEvent.objects.filter(action__startswith="permissions.staff_role")]
    assert [b["before"]["roles"] for b in bodies] == [["support"], ["sre", "support"]]
    assert [b["after"]["roles"] for b in bodies] == [["sre", "support"], ["sre"]]


@pytest.mark.parametrize("verified", [True, False])
def test_refusals(verified):
    admin = make_staff("platform_admin")
    officer = make_staff("security_officer")
    with pytest.raises(ElevationRefused):
        grant_staff_role(actor=officer, verified=True, user=make_staff(), role="sre", reason="")
    with pytest.raises(ElevationRefused):
        grant_staff_role(actor=admin, verified=True, user=admin, role="security_officer", reason="")
    with pytest.raises(ElevationRefused):
        grant_staff_role(actor=admin, verified=True, user=UserFactory(), role="sre", reason="")
    if not verified:
        with pytest.raises(ElevationRefused, match="2FA"):
            grant_staff_role(actor=admin, verified=False, user=make_staff(), role="sre", reason="")
    assert not StaffRoleGrant.objects.exclude(user__in=[admin, officer]).exists()


def test_revoking_refuses_what_cannot_be_revoked_and_changes_nothing():
    admin = make_staff("platform_admin")
    person = make_staff("support")
    with pytest.raises(ElevationRefused, match="does not hold"):
        revoke_staff_role(actor=admin, verified=True, user=person, role="sre")
    with pytest.raises(ElevationRefused, match="Another platform administrator"):
        revoke_staff_role(actor=admin, verified=True, user=admin, role="platform_admin")
    with pytest.raises(ElevationRefused, match="2FA"):
        revoke_staff_role(actor=admin, verified=False, user=person, role="support")
    with pytest.raises(ElevationRefused, match="not a staff role"):
        grant_staff_role(actor=admin, verified=True, user=person, role="janitor", reason="")
    with pytest.raises(ElevationRefused, match="already holds"):
        grant_staff_role(actor=admin, verified=True, user=person, role="support", reason="")
    assert set(StaffRoleGrant.objects.filter(user=person).values_list("role", flat=True)) == {"support"}
