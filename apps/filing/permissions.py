"""Who may do what with VAT returns. Reading is open to every member of the business."""

from __future__ import annotations

from apps.tenancy.models import Membership, Role


def can_prepare_returns(membership: Membership | None) -> bool:
    return membership is not None and membership.role in {Role.OWNER, Role.ACCOUNTANT, Role.BOOKKEEPER}


def can_approve_returns(membership: Membership | None) -> bool:
    """Approval is a legal declaration to HMRC: the owner or their accountant."""
    return membership is not None and membership.role in {Role.OWNER, Role.ACCOUNTANT}


def can_change_vat_settings(membership: Membership | None) -> bool:
    return membership is not None and membership.role == Role.OWNER
