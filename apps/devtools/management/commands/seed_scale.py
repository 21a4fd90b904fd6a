"""manage.py seed_scale: the issue #18 dataset (20 businesses x 10,000 documents by default) in minutes."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.devtools.scale.seed import seed_scale


class Command(BaseCommand):
    help = "Seed businesses with years of documents, journals, bank lines and VAT periods (bench_scale's data)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--tenants", type=int, default=20)
        parser.add_argument("--documents-per-tenant", type=int, default=10_000)
        parser.add_argument("--small-documents", type=int, default=1_000, help="The small business (0: none).")
        parser.add_argument("--seed", type=int, default=18)
        parser.add_argument("--today", type=date.fromisoformat, default=None, help="Dates end here (ISO).")

    def handle(self, *args, **options) -> None:
        if settings.IS_PRODUCTION:
            raise CommandError("seed_scale refuses to run in production.")
        result = seed_scale(
            tenants=options["tenants"],
            documents_per_tenant=options["documents_per_tenant"],
            small_documents=options["small_documents"],
            seed=options["seed"],
            today=options["today"],
            report=self.stdout.write,
        )
        rate = result.total_rows / result.seconds if result.seconds else 0
        self.stdout.write(
            f"Seeded {len(result.tenants)} businesses: {result.total_rows:,} rows in {result.seconds:.1f} s "
            f"({rate:,.0f} rows/s)"
        )
        for key, n in sorted(result.rows.items()):
            self.stdout.write(f"  {key:14} {n:>10,}")
