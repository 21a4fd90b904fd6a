"""The one way to ask the policy: ``check`` (a yes or no), ``refusal`` (why not) and ``require`` (or raise).

Views go through ``apps.permissions.decorators``; services call ``require``
with their actor, so a service refuses even when a caller forgot the view's
check. ``user.has_perm`` answers the same for a named permission (the User
model routes it here, past Django's superuser shortcut).
"""

from __future__ import annotations

from apps.core.errors import NotAllowed
from apps.permissions import policy


def check(user, perm: str, obj=None) -> bool:
    """Whether the policy allows ``user`` to ``perm`` on ``obj`` (a business or one of its rows)."""
    return policy.decide(user, perm, obj)


def refusal(user, perm: str, obj=None) -> str | None:
    """Why ``user`` may not ``perm`` on ``obj``, for the person to read; None when they may."""
    return policy.explain(user, perm, obj)


def require(user, perm: str, obj=None) -> None:
    """Raise ``NotAllowed`` (403) with the policy's reason unless ``user`` may ``perm`` on ``obj``."""
    reason = policy.explain(user, perm, obj)
    if reason is not None:
        raise NotAllowed(reason, extra={"permission": perm})


def is_named_permission(perm: str) -> bool:
    return perm in policy.PERMISSIONS
