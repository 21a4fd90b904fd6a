"""manage.py seal_document_files [--tenant <slug>] [--batch-size N]

Encrypts the stored files of documents uploaded before encryption at rest
(decision 0024), and re-seals files still on an older data-key version, one
business at a time, printing ``done/total`` per business. Safe to stop and run
again: each file is replaced atomically and recorded on its row, so a rerun
resumes with the files still to do. Shredded businesses are skipped.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.documents.services.file_encryption import seal_tenant_files
from apps.security_center.crypto.errors import KeyDestroyed
from apps.tenancy.models import Tenant


class Command(BaseCommand):
    help = "Encrypt (or re-encrypt onto the active data key) the stored document files of one or every business."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--tenant", help="The business's slug, as in /t/<slug>/. Default: every business.")
        parser.add_argument("--batch-size", type=int, default=50, help="Files per batch (default 50).")

    def handle(self, *args: Any, tenant: str | None, batch_size: int, **options: Any) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        tenants = Tenant.objects.order_by("slug")
        if tenant:
            tenants = tenants.filter(slug=tenant)
            if not tenants.exists():
                raise CommandError(f"No business with the slug {tenant!r}.")
        incomplete = []
        for found in tenants:
            try:
                done, total = seal_tenant_files(found, batch_size=batch_size, progress=self.stdout.write)
            except KeyDestroyed:
                self.stdout.write(f"{found.slug}: keys were destroyed (shredded); skipped")
                continue
            if done < total:
                incomplete.append(f"{found.slug} ({total - done} left)")
        if incomplete:
            raise CommandError(
                "Some files could not be sealed (missing, not opening, or not matching their SHA-256; see the log): "
                + ", ".join(incomplete)
            )
        self.stdout.write("Every document file is sealed under its business's active data key.")
