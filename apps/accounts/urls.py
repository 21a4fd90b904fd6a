from django.urls import path

from apps.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/verify/", views.login_verify_view, name="login-verify"),
    path("logout/", views.logout_view, name="logout"),
    path("2fa/", views.two_factor_manage_view, name="2fa"),
    path("2fa/setup/", views.two_factor_setup_view, name="2fa-setup"),
    path("2fa/backup-codes/", views.backup_codes_view, name="2fa-backup-codes"),
    path("2fa/backup-codes/regenerate/", views.regenerate_backup_codes_view, name="2fa-backup-codes-regenerate"),
    path("2fa/remove/", views.remove_two_factor_view, name="2fa-remove"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password-reset"),
    path("password-reset/sent/", views.PasswordResetDoneView.as_view(), name="password-reset-done"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path("password-reset/complete/", views.PasswordResetCompleteView.as_view(), name="password-reset-complete"),
]
