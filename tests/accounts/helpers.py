"""Helpers for the accounts tests: devices, valid codes, verified sessions."""

from __future__ import annotations

import time

from django.test import Client
from django_otp.oath import hotp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.models import User

PASSWORD = "violet-kettle-harbour-42"


def add_totp_device(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def add_backup_codes(user: User, codes: list[str]) -> StaticDevice:
    device = StaticDevice.objects.create(user=user, name="Backup codes", confirmed=True)
    for code in codes:
        StaticToken.objects.create(device=device, token=code)
    return device


def totp_code(device: TOTPDevice) -> str:
    """A code the device accepts now: never one of an already used time step."""
    device.refresh_from_db()
    now_t = (int(time.time()) - device.t0) // device.step + device.drift
    t = max(now_t, device.last_t + 1)
    assert t <= now_t + device.tolerance, "test used more codes than the tolerance window allows"
    return str(hotp(device.bin_key, t, digits=device.digits)).zfill(device.digits)


def wrong_code(device: TOTPDevice) -> str:
    good = totp_code(device)
    return "000000" if good != "000000" else "111111"


def verified_login(client: Client, user: User, device=None) -> Client:
    """force_login plus an OTP-verified session (as if the code step had been passed)."""
    device = device or TOTPDevice.objects.filter(user=user, confirmed=True).first() or add_totp_device(user)
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client
