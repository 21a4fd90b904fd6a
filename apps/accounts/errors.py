"""Domain errors of the accounts services.

Each carries a message fit to show the user as is, so views can turn any of
them into a form error or a flash message without knowing the details.
"""

from __future__ import annotations

from apps.core.errors import ApplicationError


class TwoFactorError(ApplicationError):
    """Base for everything that can go wrong with a second factor."""

    code = "two_factor_refused"
    default_message = "Two-factor authentication could not be changed."


class InvalidTokenError(TwoFactorError):
    code = "two_factor_code_invalid"
    default_message = "That code is not valid. Check your authenticator app and try again."


class TokenThrottledError(InvalidTokenError):
    """django-otp refuses to check any code after repeated failures (exponential back-off)."""

    status = 429
    code = "two_factor_throttled"

    default_message = "Too many wrong codes in a row. Wait a minute, then try again."


class InvalidPasswordError(TwoFactorError):
    code = "password_incorrect"
    default_message = "Your password is not correct."


class TwoFactorRequiredError(TwoFactorError):
    """Staff and business owners may not switch their second factor off."""

    status = 403
    code = "two_factor_required"

    default_message = (
        "Two-factor authentication is required for your account (staff and business owners), so it cannot be "
        "removed. If you lost your phone, sign in with a backup code and contact support to replace it."
    )


class AlreadyEnrolledError(TwoFactorError):
    status = 409
    code = "two_factor_already_enrolled"
    default_message = "Two-factor authentication is already set up for your account."


class NotEnrolledError(TwoFactorError):
    status = 409
    code = "two_factor_not_enrolled"
    default_message = "Two-factor authentication is not set up for your account."
