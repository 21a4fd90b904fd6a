from __future__ import annotations

from django_otp import devices_for_user

from apps.tenancy.selectors import is_owner_anywhere


def requires_2fa(user) -> bool:
    """Staff and owners of any business must use a second factor."""
    return bool(user.is_staff or is_owner_anywhere(user))


def has_confirmed_device(user) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))
