"""manage.py rotate_tenant_keys [--tenant <slug>] [--reencrypt app_label.Model.field ...]

Adds a new data-key version for one business or all of them (yearly, on staff
off-boarding, on incident). Old versions keep decrypting; ``--reencrypt``
sweeps the named encrypted fields onto the new version straight away
(otherwise rows move when they are next saved). Shredded businesses are skipped.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

from apps.security_center.crypto.errors import CryptoError, KeyDestroyed
from apps.security_center.crypto.services import reencrypt_rows, rotate_tenant_dek
from apps.tenancy.management.base import TenantCommand
from apps.tenancy.models import Tenant


class Command(BaseCommand):
    help = "Rotate the data encryption key of one business (--tenant) or of every business."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--tenant", help="The business's slug, as in /t/<slug>/. Default: every business.")
        parser.add_argument(
            "--reencrypt",
            nargs="*",
            default=[],
            metavar="APP.MODEL.FIELD",
            help="Encrypted fields to re-encrypt under the new key now, e.g. integrations.HmrcConnection.refresh_token",
        )

    def handle(self, *args: Any, tenant: str | None, reencrypt: list[str], **options: Any) -> None:
        targets = [self._field(spec) for spec in reencrypt]
        tenants = Tenant.objects.order_by("slug")
        if tenant:
            tenants = tenants.filter(slug=tenant)
            if not tenants.exists():
                raise CommandError(f"No business with the slug {tenant!r}.")
        label = TenantCommand.operator_label()
        for found in tenants:
            try:
                key = rotate_tenant_dek(found, actor_label=label)
            except KeyDestroyed:
                self.stdout.write(f"{found.slug}: keys were destroyed (shredded); skipped")
                continue
            except CryptoError as exc:
                raise CommandError(f"{found.slug}: rotation stopped: {exc}") from exc
            try:
                moved = sum(reencrypt_rows(model, field, tenant=found) for model, field in targets)
            except CryptoError as exc:
                raise CommandError(f"{found.slug}: key rotated, but re-encryption stopped: {exc}") from exc
            suffix = f", {moved} values re-encrypted" if targets else ""
            self.stdout.write(f"{found.slug}: data key version {key.version} active{suffix}")

    @staticmethod
    def _field(spec: str):
        try:
            app_label, model_name, field_name = spec.split(".")
            model = apps.get_model(app_label, model_name)
            model._meta.get_field(field_name)
        except (ValueError, LookupError) as exc:
            raise CommandError(f"{spec!r} is not app_label.Model.field") from exc
        return model, field_name
