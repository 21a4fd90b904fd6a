"""The two-factor services on their own: errors, audit events, throttling."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts import services
from apps.accounts.errors import (
    AlreadyEnrolledError,
    InvalidPasswordError,
    InvalidTokenError,
    NotEnrolledError,
    TokenThrottledError,
    TwoFactorError,
    TwoFactorRequiredError,
)
from tests.accounts.helpers import PASSWORD, add_totp_device, totp_code, wrong_code
from tests.helpers import audit_events

pytestmark = pytest.mark.django_db


def test_enrol_reuses_the_pending_device(plain_user):
    first = services.enrol_totp_device(plain_user)
    second = services.enrol_totp_device(plain_user)

    assert first.pk == second.pk
    assert not first.confirmed
    assert len(audit_events(action="accounts.2fa.enrolment_started")) == 1


def test_enrol_refuses_when_already_enrolled(plain_user):
    add_totp_device(plain_user)

    with pytest.raises(AlreadyEnrolledError):
        services.enrol_totp_device(plain_user)


def test_confirm_returns_ten_backup_codes_and_audits(plain_user):
    device = services.enrol_totp_device(plain_user)

    codes = services.confirm_totp_device(plain_user, device, totp_code(device))

    assert len(codes) == 10
    assert device.confirmed
    assert StaticToken.objects.filter(device__user=plain_user).count() == 10
    event = audit_events(action="accounts.2fa.enrolled")[0]
    assert event.target_id == str(plain_user.pk)
    for code in codes:
        assert code not in event.body


def test_confirm_rejects_someone_elses_device(plain_user, make_user):
    other = make_user()
    device = services.enrol_totp_device(other)

    with pytest.raises(NotEnrolledError):
        services.confirm_totp_device(plain_user, device, totp_code(device))


def test_wrong_code_is_audited_even_though_the_service_raises(plain_user):
    device = add_totp_device(plain_user)

    with pytest.raises(InvalidTokenError):
        services.verify_second_factor(plain_user, wrong_code(device), stage="login")

    event = audit_events(action="accounts.2fa.failed")[0]
    assert '"stage":"login"' in event.body


def test_throttling_is_reported(plain_user, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    device = add_totp_device(plain_user)
    with pytest.raises(InvalidTokenError):
        services.verify_second_factor(plain_user, wrong_code(device), stage="login")

    with pytest.raises(TokenThrottledError):
        services.verify_second_factor(plain_user, totp_code(device), stage="login")


def test_a_totp_code_is_not_accepted_twice(plain_user):
    device = add_totp_device(plain_user)
    code = totp_code(device)
    services.verify_second_factor(plain_user, code, stage="login")

    with pytest.raises(InvalidTokenError):
        services.verify_second_factor(plain_user, code, stage="login")


def test_backup_code_attempt_does_not_throttle_the_app(plain_user):
    device = add_totp_device(plain_user)
    with pytest.raises(InvalidTokenError):
        services.verify_second_factor(plain_user, "zzzz7777", stage="login")

    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_regenerate_requires_an_app(plain_user):
    with pytest.raises(NotEnrolledError):
        services.regenerate_backup_codes(plain_user, token="123456")


def test_regenerate_keeps_the_backup_device_row(plain_user):
    device = add_totp_device(plain_user)
    first = services.regenerate_backup_codes(plain_user, token=totp_code(device))
    static_id = StaticDevice.objects.get(user=plain_user).pk

    second = services.regenerate_backup_codes(plain_user, token=totp_code(device))

    assert set(first).isdisjoint(second)
    assert StaticDevice.objects.get(user=plain_user).pk == static_id


def test_remove_refused_when_required(staff):
    device = add_totp_device(staff)

    with pytest.raises(TwoFactorRequiredError):
        services.remove_two_factor(staff, password=PASSWORD, token=totp_code(device))


def test_remove_checks_password_and_code(plain_user):
    device = add_totp_device(plain_user)

    with pytest.raises(InvalidPasswordError):
        services.remove_two_factor(plain_user, password="nope", token=totp_code(device))
    with pytest.raises(InvalidTokenError):
        services.remove_two_factor(plain_user, password=PASSWORD, token="")

    services.remove_two_factor(plain_user, password=PASSWORD, token=totp_code(device))

    assert not TOTPDevice.objects.filter(user=plain_user).exists()


def test_errors_share_a_base_with_a_user_message():
    error = TwoFactorRequiredError()

    assert isinstance(error, TwoFactorError)
    assert "required" in error.message


def test_normalise_token():
    assert services.normalise_token(" 123 456 ") == "123456"
    assert services.normalise_token("ABCD-EFGH") == "abcdefgh"
