"""``TenantCommand``: the management-command way into a tenant (``--tenant <slug>``)."""

from __future__ import annotations

import getpass
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.tenancy.context import tenant_context
from apps.tenancy.models import Tenant


class TenantCommand(BaseCommand):
    """Subclasses implement ``handle_tenant(tenant, **options)``; it runs inside ``tenant_context``."""

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--tenant", required=True, help="The business's slug, as in /t/<slug>/.")

    def handle(self, *args: Any, tenant: str, **options: Any) -> None:
        found = Tenant.objects.filter(slug=tenant).first()
        if found is None:
            raise CommandError(f"No business with the slug {tenant!r}.")
        with tenant_context(found):
            self.handle_tenant(found, **options)

    def handle_tenant(self, tenant: Tenant, **options: Any) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def operator_label() -> str:
        """Who ran the command, for audit events that have no signed-in user."""
        return f"manage.py ({getpass.getuser()})"
