"""manage.py invite --tenant <slug> --email <address> --role <role>: invite someone and print the link.

For support and operations before a business has an owner who can sign in.
The invitation is recorded in the business's audit log with the operator.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.core.validators import validate_email
from django.urls import reverse

from apps.audit.services import record_event
from apps.tenancy.errors import TenancyError
from apps.tenancy.management.base import TenantCommand
from apps.tenancy.models import Role, Tenant
from apps.tenancy.services import invite_member


class Command(TenantCommand):
    help = "Invite someone to a business and print the invitation link."

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--email", required=True)
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--inviter", required=True, help="Email of the existing user the invitation is from.")
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")

    def handle_tenant(self, tenant: Tenant, *, email: str, role: str, inviter: str, base_url: str, **_: Any) -> None:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise CommandError(f"{email!r} is not an email address.") from exc
        sender = get_user_model().objects.filter(email=inviter.strip().lower()).first()
        if sender is None:
            raise CommandError(f"No user {inviter!r}.")
        try:
            invitation, token = invite_member(tenant=tenant, email=email, role=role, actor=sender)
        except TenancyError as exc:
            raise CommandError(str(exc)) from exc
        record_event(
            "tenancy.invitation.issued_by_operator",
            tenant_id=tenant.pk,
            target=invitation,
            actor_label=self.operator_label(),
            on_behalf_of=sender.email,
        )
        path = reverse("invitations:accept", kwargs={"tenant_id": tenant.pk, "token": token})
        self.stdout.write(f"Invitation for {invitation.email} as {role}, valid {settings.INVITATION_VALID_DAYS} days:")
        self.stdout.write(f"{base_url.rstrip('/')}{path}")
