"""Telling people about access to their business. Mail goes after commit, so a refused request sends nothing."""

from __future__ import annotations

from django.core.mail import send_mail
from django.db import transaction

from apps.tenancy.models import Membership, Role, Tenant


def owner_emails(tenant: Tenant) -> list[str]:
    return list(
        Membership.objects.filter(tenant=tenant, role=Role.OWNER, user__is_active=True).values_list(
            "user__email", flat=True
        )
    )


def notify_owners(tenant: Tenant, subject: str, body: str) -> None:
    recipients = owner_emails(tenant)
    if recipients:
        transaction.on_commit(lambda: send_mail(subject, body, None, recipients))


def notify_users(emails: list[str], subject: str, body: str) -> None:
    if emails:
        transaction.on_commit(lambda: send_mail(subject, body, None, emails))
