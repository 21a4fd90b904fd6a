"""Account views, one module per flow; names re-exported for urls.py and config/urls.py."""

from apps.accounts.views.errors import (
    admin_login_redirect,
    bad_request,
    csrf_failure,
    page_not_found,
    permission_denied,
    server_error,
)
from apps.accounts.views.login import login_verify_view, login_view, logout_view
from apps.accounts.views.password_reset import (
    PasswordResetCompleteView,
    PasswordResetConfirmView,
    PasswordResetDoneView,
    PasswordResetView,
)
from apps.accounts.views.two_factor import (
    backup_codes_view,
    regenerate_backup_codes_view,
    remove_two_factor_view,
    two_factor_manage_view,
    two_factor_setup_view,
)

__all__ = [
    "PasswordResetCompleteView",
    "PasswordResetConfirmView",
    "PasswordResetDoneView",
    "PasswordResetView",
    "admin_login_redirect",
    "backup_codes_view",
    "bad_request",
    "csrf_failure",
    "login_verify_view",
    "login_view",
    "logout_view",
    "page_not_found",
    "permission_denied",
    "regenerate_backup_codes_view",
    "remove_two_factor_view",
    "server_error",
    "two_factor_manage_view",
    "two_factor_setup_view",
]
