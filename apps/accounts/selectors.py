"""Read queries about users' second factors."""

from __future__ import annotations

from django.db.models import QuerySet
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.tenancy.selectors import is_owner_anywhere


def requires_2fa(user) -> bool:
    """Staff and owners of any business must use a second factor."""
    return bool(user.is_staff or is_owner_anywhere(user))


def has_confirmed_device(user) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


def confirmed_totp_devices(user) -> QuerySet[TOTPDevice]:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("created_at", "id")


def has_confirmed_totp_device(user) -> bool:
    return confirmed_totp_devices(user).exists()


def backup_codes_remaining(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
