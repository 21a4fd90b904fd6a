"""``manage.py restore_tenant_rows --tenant SLUG [--point-in-time WHEN] [--apply]``.

Step 5 of docs/dr/tenant-data-corrupted.md: put one business's rows back from the point-in-time copy
staged in the ``tenant_restore`` schema. A dry run by default (the merge runs and rolls back, and the
counts are printed); ``--apply`` commits it in one owner-role transaction, audited on the business's chain.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connections

from apps.backups.services.tenant_rows import OWNER, SCHEMA, preview_tenant_rows, restore_tenant_rows
from apps.tenancy.models import Tenant


class Command(BaseCommand):
    help = "Put one business's rows back from a staged point-in-time copy (dry run unless --apply)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", required=True, help="The business's slug, as in /t/<slug>/.")
        parser.add_argument("--point-in-time", default="", help="The copy's time, recorded in the audit event.")
        parser.add_argument("--apply", action="store_true", help="Commit (default: dry run, nothing written).")

    def handle(self, *args, **options) -> None:
        if OWNER not in settings.DATABASES:
            raise CommandError("Set DATABASE_OWNER_URL: the merge runs as the role that owns the tables.")
        tenant = Tenant.objects.filter(slug=options["tenant"]).first()
        if tenant is None:
            raise CommandError(f"No business with the slug {options['tenant']!r}.")
        with connections[OWNER].cursor() as cursor:
            cursor.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = %s", [SCHEMA])
            if not cursor.fetchone()[0]:
                raise CommandError(f"Nothing staged: create the {SCHEMA} schema and its tables first (step 4).")
        try:
            if options["apply"]:
                outcomes = restore_tenant_rows(tenant=tenant, point_in_time=options["point_in_time"])
            else:
                outcomes = preview_tenant_rows(tenant=tenant)
        except DatabaseError as exc:
            raise CommandError(f"Refused, nothing written: {exc}") from exc
        for o in outcomes:
            self.stdout.write(
                f"{o.table}: {o.put_back} rows put back, {o.re_inserted} re-inserted, "
                f"{o.only_in_production} only in production (left alone)"
            )
        if options["apply"]:
            self.stdout.write(self.style.SUCCESS(f"Committed for {tenant.slug}; audited on its chain."))
        else:
            self.stdout.write("Dry run: nothing written. Review, then run again with --apply.")
