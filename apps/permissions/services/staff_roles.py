"""Granting and revoking staff roles: platform administrators only, never to themselves, always audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from apps.audit.privileged import privileged
from apps.audit.services import record_event
from apps.permissions.errors import ElevationRefused
from apps.permissions.models import StaffRole, StaffRoleGrant
from apps.permissions.selectors import staff_roles_of


def _require_admin(actor: Any, verified: bool) -> None:
    if not verified or StaffRole.PLATFORM_ADMIN not in staff_roles_of(actor):
        raise ElevationRefused("Only a platform administrator in a 2FA-verified session can change staff roles.")


def _roles(user: Any) -> list[str]:
    return sorted(StaffRoleGrant.objects.filter(user=user).values_list("role", flat=True))


@transaction.atomic
@privileged("permissions.staff_role.")
def grant_staff_role(*, actor: Any, verified: bool, user: Any, role: str, reason: str) -> StaffRoleGrant:
    _require_admin(actor, verified)
    if user.pk == actor.pk:
        raise ElevationRefused("Another platform administrator must change your own roles.")
    if role not in StaffRole.values:
        raise ElevationRefused(f"{role!r} is not a staff role.")
    if not user.is_staff:
        raise ElevationRefused(f"{user.email} is not a staff account.")
    before = _roles(user)
    if role in before:
        raise ElevationRefused(f"{user.email} already holds that role.")
    grant = StaffRoleGrant.objects.create(user=user, role=role, granted_by=actor, reason=reason[:300])
    record_event(
        "permissions.staff_role.granted",
        actor=actor,
        target=user,
        before={"roles": before},
        after={"roles": _roles(user)},
        extra={"user": user.email, "role": role, "reason": reason[:300]},
    )
    return grant


@transaction.atomic
@privileged("permissions.staff_role.")
def revoke_staff_role(*, actor: Any, verified: bool, user: Any, role: str, reason: str = "") -> None:
    _require_admin(actor, verified)
    if user.pk == actor.pk:
        raise ElevationRefused("Another platform administrator must change your own roles.")
    before = _roles(user)
    if role not in before:
        raise ElevationRefused(f"{user.email} does not hold that role.")
    StaffRoleGrant.objects.filter(user=user, role=role).delete()
    record_event(
        "permissions.staff_role.revoked",
        actor=actor,
        target=user,
        before={"roles": before},
        after={"roles": _roles(user)},
        extra={"user": user.email, "role": role, "reason": reason[:300]},
    )
