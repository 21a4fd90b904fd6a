"""Django admin for users, and the admin site itself behind a verified second factor.

No page here shows or sets another person's sign-in secrets (decision 0012):
a superuser who could read a TOTP key, or set a password or an email
address, could sign in as a business owner without the audited, time-boxed
access grant. So the user admin has no password page and no password field,
an existing user's email is read-only, and the 2FA device admins (django-otp's
show keys, QR codes and backup codes) are replaced by read-only lists that
show which devices exist and when they were used, nothing else. Adding or
deleting someone's device is refused too: both are ways into their account.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django_otp.admin import OTPAdminSite
from django_otp.plugins.otp_static import admin as _static_admin  # noqa: F401  (registers, to be replaced below)
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp import admin as _totp_admin  # noqa: F401  (registers, to be replaced below)
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.forms import AdminUserChangeForm, AdminUserCreationForm
from apps.accounts.models import User

# Why swap the class of the existing site rather than create another: every
# app registers on ``admin.site``. OTPAdminSite.has_permission adds
# ``user.is_verified()``, so a password alone never opens the admin. Its own
# login page is never used: config/urls.py sends /admin/login/ to ours.
admin.site.__class__ = OTPAdminSite
admin.site.site_header = "Strongroom administration"
admin.site.site_title = "Strongroom admin"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = AdminUserChangeForm
    add_form = AdminUserCreationForm
    fieldsets = (
        (None, {"fields": ("email",)}),
        ("Personal info", {"fields": ("full_name",)}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
    )
    list_display = ("email", "full_name", "is_staff", "is_active")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    search_fields = ("email", "full_name")
    ordering = ("email",)
    readonly_fields = ("last_login", "date_joined")
    filter_horizontal = ("groups", "user_permissions")

    def get_readonly_fields(self, request, obj=None):
        # Changing someone's email address would let a password reset sign in as them.
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "email") if obj is not None else fields

    def user_change_password(self, request, id, form_url=""):
        raise PermissionDenied("Passwords are set by their owners (the reset link), never in the admin.")


class SecretFreeDeviceAdmin(admin.ModelAdmin):
    """Which 2FA devices a user has, and when they were last used: never their keys or codes."""

    list_display = ("user", "name", "confirmed", "created_at", "last_used_at")
    list_filter = ("confirmed",)
    search_fields = ("user__email",)
    fields = ("user", "name", "confirmed", "created_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


for _device in (TOTPDevice, StaticDevice):
    admin.site.unregister(_device)
    admin.site.register(_device, SecretFreeDeviceAdmin)
