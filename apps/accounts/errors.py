"""Domain errors of the accounts services.

Each carries a message fit to show the user as is, so views can turn any of
them into a form error or a flash message without knowing the details.
"""

from __future__ import annotations


class TwoFactorError(Exception):
    """Base for everything that can go wrong with a second factor."""

    default_message = "Two-factor authentication could not be changed."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


class InvalidTokenError(TwoFactorError):
    default_message = "That code is not valid. Check your authenticator app and try again."


class TokenThrottledError(InvalidTokenError):
    """django-otp refuses to check any code after repeated failures (exponential back-off)."""

    default_message = "Too many wrong codes in a row. Wait a minute, then try again."


class InvalidPasswordError(TwoFactorError):
    default_message = "Your password is not correct."


class TwoFactorRequiredError(TwoFactorError):
    """Staff and business owners may not switch their second factor off."""

    default_message = (
        "Two-factor authentication is required for your account (staff and business owners), so it cannot be "
        "removed. If you lost your phone, sign in with a backup code and contact support to replace it."
    )


class AlreadyEnrolledError(TwoFactorError):
    default_message = "Two-factor authentication is already set up for your account."


class NotEnrolledError(TwoFactorError):
    default_message = "Two-factor authentication is not set up for your account."
