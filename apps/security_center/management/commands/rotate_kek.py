"""manage.py rotate_kek [--rewrap-only] [--keep-old]: rotate the key-encryption key without downtime.

Vault/OpenBao Transit: rotates the Transit key, re-wraps every business's data
keys server-side (transit/rewrap), then raises min_decryption_version. AWS KMS:
on-demand rotation of the current key (old material keeps decrypting), re-wraps
keys still under an older configured key (ReEncrypt), then disables those.
Local: add version N+1 to FIELD_ENCRYPTION_KEKS and deploy first; this re-wraps
and tells you which versions to remove. Runbook: docs/runbooks/key-rotation.md.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.security_center.crypto.errors import CryptoError
from apps.security_center.crypto.rotation import rotate_kek
from apps.tenancy.management.base import TenantCommand

BAR_WIDTH = 24


class Command(BaseCommand):
    help = "Rotate the key-encryption key, re-wrap every business's data keys, then retire the old KEK version."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--rewrap-only",
            action="store_true",
            help="Do not rotate in the key service: re-wrap onto the current version (local KEKs, a new KMS key id).",
        )
        parser.add_argument(
            "--keep-old", action="store_true", help="Do not retire the old KEK version after the re-wrap."
        )

    def handle(self, *args: Any, rewrap_only: bool, keep_old: bool, **options: Any) -> None:
        began = time.monotonic()

        def progress(done: int, total: int, moved: int) -> None:
            filled = round(BAR_WIDTH * done / total) if total else BAR_WIDTH
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
            self.stdout.write(
                f"[{bar}] {done}/{total} businesses, {moved} keys re-wrapped ({time.monotonic() - began:.1f}s)"
            )

        try:
            report = rotate_kek(
                rotate=not rewrap_only,
                retire=not keep_old,
                progress=progress,
                actor_label=TenantCommand.operator_label(),
            )
        except CryptoError as exc:
            raise CommandError(f"KEK rotation stopped: {exc}") from exc
        self.stdout.write(
            f"KEK version {report.from_version} -> {report.to_version}: {report.keys_rewrapped} keys of "
            f"{report.tenants} businesses re-wrapped; {report.keys_behind} still behind."
        )
        if report.retired:
            self.stdout.write(f"Retired: {report.retired}.")
        elif report.keys_behind:
            self.stdout.write("Old KEK version kept: some keys are still behind; run again once the cause is fixed.")
        else:
            self.stdout.write("Old KEK version kept (--keep-old).")
        if report.keys_behind:
            raise CommandError(f"{report.keys_behind} data keys are still wrapped under an older KEK version")
