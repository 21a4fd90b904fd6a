"""Reads of staff roles and elevations. The policy's predicates call these; nothing here is cached across requests."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone

from apps.permissions.models import APPROVER_ROLES, AccessElevation, AccessReview, AccessReviewItem, StaffRoleGrant
from apps.tenancy.models import Membership


def _active_staff(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_staff)


def _in_force() -> QuerySet[AccessElevation]:
    """Elevations that let their requester in right now: approved and not past their end."""
    return AccessElevation.objects.filter(status=AccessElevation.Status.APPROVED, expires_at__gt=timezone.now())


def staff_roles_of(user) -> frozenset[str]:
    """The staff roles a user holds (empty for anyone who is not active staff)."""
    if not _active_staff(user):
        return frozenset()
    return frozenset(StaffRoleGrant.objects.filter(user=user).values_list("role", flat=True))


def can_approve_elevations(user) -> bool:
    return bool(staff_roles_of(user) & APPROVER_ROLES)


def active_elevation(user, tenant_id) -> AccessElevation | None:
    """The approved, unexpired, unrevoked elevation of this staff member for this business, if any."""
    if not _active_staff(user):
        return None
    return _in_force().filter(requester=user, tenant_id=tenant_id).order_by("-expires_at").first()


def elevated_tenant_ids(user) -> frozenset:
    """The businesses this staff member can open right now."""
    if not _active_staff(user):
        return frozenset()
    return frozenset(_in_force().filter(requester=user).values_list("tenant_id", flat=True))


def elevations_waiting_for(user) -> QuerySet[AccessElevation]:
    """Requests this user could approve: someone else's, still waiting."""
    return (
        AccessElevation.objects.filter(status=AccessElevation.Status.REQUESTED)
        .exclude(requester=user)
        .select_related("requester", "tenant")
    )


def elevations_of(user, limit: int = 20) -> list[AccessElevation]:
    return list(AccessElevation.objects.filter(requester=user).select_related("tenant", "approver")[:limit])


def elevations_in_force() -> QuerySet[AccessElevation]:
    return _in_force().select_related("requester", "tenant", "approver")


def break_glass_to_review() -> QuerySet[AccessElevation]:
    return AccessElevation.objects.filter(break_glass=True, reviewed_at__isnull=True).select_related(
        "requester", "tenant"
    )


def open_reviews() -> QuerySet[AccessReview]:
    return AccessReview.objects.filter(closed_at__isnull=True)


def overdue_reviews() -> QuerySet[AccessReview]:
    return open_reviews().filter(due_at__lt=timezone.now())


def review_items_for(user) -> QuerySet[AccessReviewItem]:
    """Undecided items of open reviews this user may decide (theirs first; never their own access)."""
    return (
        AccessReviewItem.objects.filter(review__closed_at__isnull=True, decision=AccessReviewItem.Decision.PENDING)
        .exclude(subject=user)
        .select_related("review", "subject", "reviewer")
        .order_by("review__due_at", "kind", "description")
    )


def staff_with_roles() -> list[tuple[object, list[str]]]:
    """Every active staff account with the roles it holds (an empty list: staff flag, no role)."""
    grants: dict[int, list[str]] = {}
    for user_id, role in StaffRoleGrant.objects.values_list("user_id", "role"):
        grants.setdefault(user_id, []).append(role)
    users = get_user_model().objects.filter(is_active=True, is_staff=True).order_by("email")
    return [(u, sorted(grants.get(u.pk, []))) for u in users]


def policy_table() -> list[dict]:
    """The policy as rows a person reads: each permission, who may, and its conditions."""
    from apps.permissions.policy import PERMISSIONS  # the policy's predicates read this module: a cycle

    rows = []
    for name, rule in PERMISSIONS.items():
        rows.append(
            {
                "name": name,
                "roles": sorted(rule.roles),
                "staff_roles": sorted(rule.staff_roles),
                "elevated_staff": rule.elevated_staff,
                "mfa": rule.mfa,
                "object_checks": [message for _, message in rule.attributes],
            }
        )
    return rows


def memberships_by_business() -> list[tuple[object, list]]:
    """Who holds which role in which business (memberships are routing data, not tenant-scoped)."""
    grouped: dict = {}
    for m in Membership.objects.select_related("tenant", "user").order_by("tenant__name", "role", "user__email"):
        grouped.setdefault(m.tenant, []).append(m)
    return list(grouped.items())
