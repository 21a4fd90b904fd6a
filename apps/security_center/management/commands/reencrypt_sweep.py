"""manage.py reencrypt_sweep [--tenant <slug>] [--batch-size N] [--dry-run]

Moves every value still sealed under an older data-key version (every
encrypted field on every model, every registered blob store such as the
document files) onto the business's active key, in batches, with progress.
The beat job ``maintenance.reencrypt_sweep`` runs the same daily. Runbook:
docs/runbooks/key-rotation.md.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.security_center.crypto.errors import CryptoError
from apps.security_center.crypto.sweep import stale_counts, sweep_all
from apps.tenancy.management.base import TenantCommand
from apps.tenancy.models import Tenant


class Command(BaseCommand):
    help = "Re-encrypt values sealed under older data-key versions (fields and files) with the active key."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--tenant", help="The business's slug, as in /t/<slug>/. Default: every business.")
        parser.add_argument("--batch-size", type=int, default=settings.FIELD_ENCRYPTION_SWEEP_BATCH_SIZE)
        parser.add_argument("--dry-run", action="store_true", help="Only count what is stale.")

    def handle(self, *args: Any, tenant: str | None, batch_size: int, dry_run: bool, **options: Any) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        found = None
        if tenant:
            found = Tenant.objects.filter(slug=tenant).first()
            if found is None:
                raise CommandError(f"No business with the slug {tenant!r}.")
        if dry_run:
            for t in [found] if found else Tenant.objects.order_by("slug"):
                stale = {k: n for k, n in stale_counts(t).items() if n}
                self.stdout.write(f"{t.slug}: {sum(stale.values())} stale " + (str(stale) if stale else ""))
            return
        began = time.monotonic()

        def progress(slug: str, target: str, done: int) -> None:
            self.stdout.write(f"[{time.monotonic() - began:7.1f}s] {slug}: {target}: {done} re-encrypted")

        try:
            report = sweep_all(
                tenant=found, batch_size=batch_size, progress=progress, actor_label=TenantCommand.operator_label()
            )
        except CryptoError as exc:
            raise CommandError(f"Sweep stopped: {exc}") from exc
        self.stdout.write(
            f"Re-encrypted {report.rows} values and {report.blobs} files in {len(report.tenants)} businesses; "
            f"{report.stale_rows_left} values and {report.stale_blobs_left} files still stale; "
            f"{report.failures} could not be opened."
        )
        if report.failures:
            raise CommandError(f"{report.failures} values could not be opened (see the log for their ids)")
