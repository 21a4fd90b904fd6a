"""Who may connect a business to HMRC (and disconnect it).

Connecting gives Strongroom authority to file VAT returns for the business,
so only the owner and the business's accountant may do it, from a session
verified with a second factor. Everyone in the business may see the status.
"""

from __future__ import annotations

from apps.tenancy.models import Membership, Role

CONNECT_ROLES = frozenset({Role.OWNER, Role.ACCOUNTANT})


def can_connect_hmrc(membership: Membership | None) -> bool:
    return membership is not None and membership.role in CONNECT_ROLES


def connect_refusal(membership: Membership | None, user) -> str | None:
    """Why this person may not connect or disconnect HMRC now, or None when they may."""
    if not can_connect_hmrc(membership):
        return "Only an owner or the accountant of this business can connect it to HMRC."
    if not getattr(user, "is_verified", lambda: False)():
        return "Sign in with two-factor authentication before connecting to HMRC."
    return None
