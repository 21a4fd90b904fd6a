"""manage.py rewrap_tenant_keys: after a KEK version bump, re-wrap every business's data keys.

Add the new version to FIELD_ENCRYPTION_KEKS (keeping the old one), deploy,
run this; when it reports nothing left, remove the old version.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.security_center.crypto.errors import CryptoError
from apps.security_center.crypto.kek import get_kek_provider
from apps.security_center.crypto.services import rewrap_all_deks
from apps.tenancy.management.base import TenantCommand


class Command(BaseCommand):
    help = "Re-wrap every business's data keys under the current key-encryption key version."

    def handle(self, *args: Any, **options: Any) -> None:
        provider = get_kek_provider()
        try:
            report = rewrap_all_deks(actor_label=TenantCommand.operator_label())
        except CryptoError as exc:  # e.g. an old KEK version already removed: say which, stop
            raise CommandError(f"Re-wrapping stopped: {exc}") from exc
        self.stdout.write(
            f"Re-wrapped {report.keys} keys of {report.tenants} businesses under {provider.key_id} "
            f"version {provider.current_version}."
        )
