"""Create the synthetic monitor's tenant and user if missing (idempotent; safe on every deploy)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from apps.monitors.synthetic import SYNTHETIC_TENANT_SLUG, SYNTHETIC_USER_EMAIL, ensure_synthetic_tenant


class Command(BaseCommand):
    help = "Create the synthetic monitor's tenant and user if they do not exist."

    def handle(self, *args, **options) -> None:
        _, created = ensure_synthetic_tenant()
        verb = "Created" if created else "Found"
        self.stdout.write(f"{verb} synthetic tenant {SYNTHETIC_TENANT_SLUG} (user {SYNTHETIC_USER_EMAIL}).")
