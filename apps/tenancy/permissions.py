"""What a membership may do inside its tenant. The permissions app will grow this into RBAC/ABAC rules."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from apps.tenancy.models import Membership, Role


def can_manage_team(membership: Membership | None) -> bool:
    return membership is not None and membership.role == Role.OWNER


def can_change_settings(membership: Membership | None) -> bool:
    return membership is not None and membership.role == Role.OWNER


def require(allowed: bool, message: str = "Only an owner of this business can do that.") -> None:
    if not allowed:
        raise PermissionDenied(message)


def can_read_audit_log(membership: Membership | None) -> bool:
    """The whole audit log (who did what, staff access included) is for owners and their accountants."""
    return membership is not None and membership.role in (Role.OWNER, Role.ACCOUNTANT)
