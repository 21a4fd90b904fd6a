"""Input validation for the account pages; the checks against stored secrets live in services."""

from __future__ import annotations

from django import forms
from django.contrib.auth import forms as auth_forms

from apps.accounts.models import User


class CodeInput(forms.TextInput):
    """A one-time code is never echoed back: after a wrong code the field is empty again."""

    def format_value(self, value: object) -> None:
        return None


def _code_widget(*, autofocus: bool = False, numeric: bool = True) -> CodeInput:
    attrs = {"autocomplete": "one-time-code", "spellcheck": "false", "autocapitalize": "off", "class": "code-input"}
    if numeric:
        attrs |= {"inputmode": "numeric", "pattern": r"[0-9 ]*"}
    if autofocus:
        attrs["autofocus"] = True
    return CodeInput(attrs=attrs)


def _totp_field(*, autofocus: bool = False) -> forms.CharField:
    return forms.CharField(
        label="Code from your authenticator app",
        max_length=16,
        help_text="The 6-digit code shown in the app.",
        widget=_code_widget(autofocus=autofocus),
    )


class LoginForm(forms.Form):
    # The field is named "email": django-axes reads AXES_USERNAME_FORM_FIELD from it.
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def clean_email(self) -> str:
        # Lower-cased like User.save(), so the lockout counter cannot be dodged by changing case.
        return self.cleaned_data["email"].strip().lower()


class LoginVerifyForm(forms.Form):
    """Either a code from the app or a backup code: two inputs, as they need different keyboards."""

    otp_token = forms.CharField(
        label="Code from your authenticator app",
        max_length=16,
        required=False,
        help_text="The 6-digit code shown in the app.",
        widget=_code_widget(autofocus=True),
    )
    backup_code = forms.CharField(
        label="Backup code",
        max_length=32,
        required=False,
        help_text="One of the codes you saved when you set up two-factor authentication. Each works once.",
        widget=_code_widget(numeric=False),
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        if not cleaned.get("otp_token") and not cleaned.get("backup_code"):
            field = "backup_code" if "backup_code" in self.data else "otp_token"
            self.add_error(field, "Enter a code.")
        return cleaned

    @property
    def token_field(self) -> str:
        """The field the user filled in, to attach a wrong-code error to it."""
        return "otp_token" if self.cleaned_data.get("otp_token") else "backup_code"

    @property
    def token(self) -> str:
        return self.cleaned_data.get("otp_token") or self.cleaned_data.get("backup_code") or ""


class TOTPConfirmForm(forms.Form):
    otp_token = _totp_field(autofocus=True)


class RegenerateBackupCodesForm(forms.Form):
    otp_token = _totp_field()

    def __init__(self, *args, **kwargs) -> None:
        # Two forms share the management page: distinct ids, same field names.
        kwargs.setdefault("auto_id", "id_regenerate_%s")
        super().__init__(*args, **kwargs)


class RemoveTwoFactorForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    otp_token = forms.CharField(
        label="Code from your authenticator app, or a backup code",
        max_length=32,
        widget=_code_widget(numeric=False),
    )

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("auto_id", "id_remove_%s")
        super().__init__(*args, **kwargs)


class PasswordResetForm(auth_forms.PasswordResetForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = "Email address"
        self.fields["email"].widget.attrs["autofocus"] = True


class SetPasswordForm(auth_forms.SetPasswordForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].widget.attrs["autofocus"] = True


class AdminUserCreationForm(auth_forms.AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class AdminUserChangeForm(auth_forms.UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"
