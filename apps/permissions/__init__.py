"""Who may do what: the one policy (roles, predicates, named permissions), staff roles and elevated access.

``check``, ``refusal`` and ``require`` are imported lazily: this package is
loaded before the app registry is ready, the policy reads models.
"""

from __future__ import annotations


def check(user, perm: str, obj=None) -> bool:
    from apps.permissions.checks import check as _check

    return _check(user, perm, obj)


def refusal(user, perm: str, obj=None) -> str | None:
    from apps.permissions.checks import refusal as _refusal

    return _refusal(user, perm, obj)


def require(user, perm: str, obj=None) -> None:
    from apps.permissions.checks import require as _require

    _require(user, perm, obj)
