"""Audit of authentication events (login success and failure, logout)."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from apps.audit.services import record_event
from apps.observability.metrics import LOGIN_FAILURES, safely


@receiver(user_logged_in, dispatch_uid="accounts.audit_login")
def audit_login(sender, request, user, **kwargs) -> None:
    record_event("accounts.login.succeeded", actor=user, target=user)


@receiver(user_login_failed, dispatch_uid="accounts.audit_login_failed")
def audit_login_failed(sender, credentials, request=None, **kwargs) -> None:
    safely(LOGIN_FAILURES.inc)
    attempted = str(credentials.get("email") or credentials.get("username") or "")[:254]
    record_event("accounts.login.failed", actor_label=attempted, extra={"attempted_email": attempted})


@receiver(user_logged_out, dispatch_uid="accounts.audit_logout")
def audit_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        record_event("accounts.logout.succeeded", actor=user, target=user)
