"""Granting and revoking staff roles: platform administrators only, never to themselves, always audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction

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
def grant_staff_role(*, actor: Any, verified: bool, user: Any, role: str, reason: str) -> StaffRoleGrant:
    _require_admin(actor, verified)
    if user.pk == actor.pk:
        raise ElevationRefused("Another platform administrator must change your own roles.")
    if role not in StaffRole.values:
        raise ElevationRefused(f"{role!r} is not a staff role.")
    if not user.is_staff:
        raise ElevationRefused(f"{user.email} is not a staff account.")
    before = _roles(user)
    grant, created = StaffRoleGrant.objects.get_or_create(
        user=user, role=role, defaults={"granted_by": actor, "reason": reason[:300]}
    )
    if created:
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
def revoke_staff_role(*, actor: Any, verified: bool, user: Any, role: str, reason: str = "") -> bool:
    _require_admin(actor, verified)
    if user.pk == actor.pk:
        raise ElevationRefused("Another platform administrator must change your own roles.")
    before = _roles(user)
    deleted, _ = StaffRoleGrant.objects.filter(user=user, role=role).delete()
    if deleted:
        record_event(
            "permissions.staff_role.revoked",
            actor=actor,
            target=user,
            before={"roles": before},
            after={"roles": _roles(user)},
            extra={"user": user.email, "role": role, "reason": reason[:300]},
        )
    return bool(deleted)
