"""Who may change the ledger. Reading it is open to every member of the business."""

from __future__ import annotations

from apps.tenancy.models import Membership, Role


def can_manage_accounts(membership: Membership | None) -> bool:
    """Adding, renaming and deactivating accounts: owners only."""
    return membership is not None and membership.role == Role.OWNER


def can_reverse_entries(membership: Membership | None) -> bool:
    """Reversing a posted entry changes the books: owners and their accountant."""
    return membership is not None and membership.role in {Role.OWNER, Role.ACCOUNTANT}


def can_post_journals(membership: Membership | None) -> bool:
    """Manual journals change the books directly: owners and their accountant, as reversals."""
    return can_reverse_entries(membership)
