"""Writes about accounts: second factors and password resets.

Every service owns its transaction and records its audit event inside it, so
the change and the event commit or roll back together. Failed verifications
are recorded *outside* any transaction that is rolled back: django-otp's
throttling counters and our ``accounts.2fa.failed`` event must survive the
error the caller sees.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.db import transaction
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.errors import (
    AlreadyEnrolledError,
    InvalidPasswordError,
    InvalidTokenError,
    NotEnrolledError,
    TokenThrottledError,
    TwoFactorRequiredError,
)
from apps.accounts.selectors import has_confirmed_device, has_confirmed_totp_device, requires_2fa
from apps.audit.services import record_event

if TYPE_CHECKING:
    from apps.accounts.models import User

TOTP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"
BACKUP_CODE_COUNT = 10

_SEPARATORS = re.compile(r"[\s-]+")


def normalise_token(token: str) -> str:
    """Codes are typed with spaces or dashes ("123 456", "abcd-efgh") and in any case."""
    return _SEPARATORS.sub("", token or "").lower()


def _is_totp_shaped(token: str) -> bool:
    # TOTP codes are six digits; backup codes are eight base32 letters/digits.
    return token.isdigit() and len(token) == 6


def _record_failure(user: User, stage: str, *, reason: str = "invalid") -> None:
    record_event("accounts.2fa.failed", actor=user, target=user, extra={"stage": stage, "reason": reason})


def _candidate_devices(user: User, token: str, *, allow_backup_codes: bool) -> list[Device]:
    """Only the devices that could accept a code of this shape.

    Why not try every device like ``django_otp.match_token``: each failed
    ``verify_token`` throttles its device, so a backup code would throttle the
    authenticator app and vice versa.
    """
    if _is_totp_shaped(token):
        return list(TOTPDevice.objects.devices_for_user(user, confirmed=True).select_for_update())
    if allow_backup_codes:
        return list(StaticDevice.objects.devices_for_user(user, confirmed=True).select_for_update())
    return []


def verify_second_factor(user: User, token: str, *, stage: str, allow_backup_codes: bool = True) -> Device:
    """Check a code against the user's confirmed devices; return the device that accepted it.

    Raises ``InvalidTokenError`` (or ``TokenThrottledError`` while django-otp's
    back-off is in force) and records ``accounts.2fa.failed``.
    """
    token = normalise_token(token)
    throttled = False
    matched: Device | None = None
    if token:
        with transaction.atomic():
            candidates = _candidate_devices(user, token, allow_backup_codes=allow_backup_codes)
            allowed = [device for device in candidates if device.verify_is_allowed()[0]]
            throttled = bool(candidates) and not allowed
            matched = next((device for device in allowed if device.verify_token(token)), None)
    if matched is None:
        _record_failure(user, stage, reason="throttled" if throttled else "invalid")
        raise TokenThrottledError() if throttled else InvalidTokenError()
    if isinstance(matched, StaticDevice):
        record_event("accounts.2fa.backup_code_used", actor=user, target=user, extra={"stage": stage})
    return matched


def enrol_totp_device(user: User) -> TOTPDevice:
    """Start (or resume) enrolment: an unconfirmed TOTP device with a fresh secret.

    Reusing the pending device keeps the QR code stable when the page is
    reloaded, so a code from an app that already scanned it still works.
    """
    with transaction.atomic():
        if has_confirmed_totp_device(user):
            raise AlreadyEnrolledError()
        device = (
            TOTPDevice.objects.devices_for_user(user, confirmed=False)
            .select_for_update()
            .order_by("-created_at", "-id")
            .first()
        )
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
            record_event("accounts.2fa.enrolment_started", actor=user, target=user)
    return device


def _replace_backup_codes(user: User) -> list[str]:
    """New codes on the user's (single) backup-code device.

    The device row is kept rather than recreated: a session verified with a
    backup code points at it, and deleting it would silently unverify that
    session.
    """
    devices = list(StaticDevice.objects.devices_for_user(user, confirmed=None).select_for_update().order_by("id"))
    if devices:
        device, extra = devices[0], devices[1:]
        for other in extra:
            other.delete()
        device.confirmed = True
        device.name = BACKUP_DEVICE_NAME
        device.throttle_reset(commit=False)
        device.save()
        device.token_set.all().delete()
    else:
        device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes: list[str] = []
    while len(codes) < BACKUP_CODE_COUNT:
        code = StaticToken.random_token()
        if code not in codes:
            codes.append(code)
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def confirm_totp_device(user: User, device: TOTPDevice, token: str) -> list[str]:
    """Finish enrolment: the code proves the app holds the secret.

    Returns the backup codes, which exist nowhere else in clear: the caller
    shows them once.
    """
    if device.user_id != user.pk or device.confirmed:
        raise NotEnrolledError("This set-up link is no longer valid. Start again.")
    token = normalise_token(token)
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        throttled = not locked.verify_is_allowed()[0]
        verified = not throttled and _is_totp_shaped(token) and locked.verify_token(token)
    if not verified:
        _record_failure(user, "enrol", reason="throttled" if throttled else "invalid")
        raise TokenThrottledError() if throttled else InvalidTokenError()
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if has_confirmed_totp_device(user):
            raise AlreadyEnrolledError()
        locked.confirmed = True
        locked.save(update_fields=["confirmed"])
        # Abandoned enrolments (other tabs) would otherwise linger with live secrets.
        TOTPDevice.objects.devices_for_user(user, confirmed=False).delete()
        codes = _replace_backup_codes(user)
        record_event(
            "accounts.2fa.enrolled",
            actor=user,
            target=user,
            extra={"device_id": locked.pk, "count": len(codes)},
        )
    device.refresh_from_db()
    return codes


def regenerate_backup_codes(user: User, *, token: str) -> list[str]:
    """New backup codes replace all old ones; a current authenticator code is required.

    Why the authenticator and not a backup code: whoever holds only the old
    printed codes should not be able to mint fresh ones.
    """
    if not has_confirmed_totp_device(user):
        raise NotEnrolledError()
    verify_second_factor(user, token, stage="regenerate_backup_codes", allow_backup_codes=False)
    with transaction.atomic():
        codes = _replace_backup_codes(user)
        record_event("accounts.2fa.backup_codes_regenerated", actor=user, target=user, extra={"count": len(codes)})
    return codes


def remove_two_factor(user: User, *, password: str, token: str) -> None:
    """Delete every device of the user, after the password and a current code.

    Refused for users who must have a second factor (staff, business owners).
    """
    if requires_2fa(user):
        raise TwoFactorRequiredError()
    if not has_confirmed_device(user):
        raise NotEnrolledError()
    if not user.check_password(password):
        _record_failure(user, "remove", reason="password")
        raise InvalidPasswordError()
    verify_second_factor(user, token, stage="remove")
    with transaction.atomic():
        totp_deleted, _ = TOTPDevice.objects.filter(user=user).delete()
        static_deleted, _ = StaticDevice.objects.filter(user=user).delete()
        record_event(
            "accounts.2fa.removed",
            actor=user,
            target=user,
            extra={"deleted_rows": totp_deleted + static_deleted},
        )


def complete_password_reset(user: User, *, new_password: str) -> User:
    """Set the password chosen through an emailed reset link.

    The lockout for this account is lifted too: the lockout page tells the
    user that resetting the password is the way out.
    """
    from axes.utils import reset as axes_reset

    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        record_event("accounts.password.reset", actor=user, target=user)
    axes_reset(username=user.email)
    return user
