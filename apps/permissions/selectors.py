"""Reads of staff roles and elevations. The policy's predicates call these; nothing here is cached across requests."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from apps.permissions.models import APPROVER_ROLES, AccessElevation, StaffRoleGrant


def staff_roles_of(user) -> frozenset[str]:
    """The staff roles a user holds (empty for anyone who is not active staff)."""
    if not (getattr(user, "is_authenticated", False) and user.is_active and user.is_staff):
        return frozenset()
    return frozenset(StaffRoleGrant.objects.filter(user=user).values_list("role", flat=True))


def can_approve_elevations(user) -> bool:
    return bool(staff_roles_of(user) & APPROVER_ROLES)


def active_elevation(user, tenant_id) -> AccessElevation | None:
    """The approved, unexpired, unrevoked elevation of this staff member for this business, if any."""
    if not (getattr(user, "is_authenticated", False) and user.is_active and user.is_staff):
        return None
    return (
        AccessElevation.objects.filter(
            requester=user,
            tenant_id=tenant_id,
            status=AccessElevation.Status.APPROVED,
            expires_at__gt=timezone.now(),
        )
        .order_by("-expires_at")
        .first()
    )


def elevations_waiting_for(user) -> QuerySet[AccessElevation]:
    """Requests this user could approve: someone else's, still waiting."""
    return (
        AccessElevation.objects.filter(status=AccessElevation.Status.REQUESTED)
        .exclude(requester=user)
        .select_related("requester", "tenant")
    )
