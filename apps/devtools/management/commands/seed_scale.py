"""manage.py seed_scale: the issue #18 dataset (20 businesses x 10,000 documents by default) in minutes."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.devtools.scale.seed import analyze_tables, business_plan, seed_scale, staff_user


class Command(BaseCommand):
    help = "Seed businesses with years of documents, journals, bank lines and VAT periods (bench_scale's data)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--tenants", type=int, default=20)
        parser.add_argument("--documents-per-tenant", type=int, default=10_000)
        parser.add_argument("--small-documents", type=int, default=1_000, help="The small business (0: none).")
        parser.add_argument("--seed", type=int, default=18)
        parser.add_argument("--today", type=date.fromisoformat, default=None, help="Dates end here (ISO).")
        parser.add_argument("--jobs", type=int, default=1, help="Processes, each seeding its share of businesses.")
        parser.add_argument("--only", default="", help="Comma-separated slugs (what --jobs hands each process).")
        parser.add_argument("--no-analyze", action="store_true", help="Leave ANALYZE to the caller (--jobs does).")

    def handle(self, *args, **options) -> None:
        if settings.IS_PRODUCTION:
            raise CommandError("seed_scale refuses to run in production.")
        if options["jobs"] > 1:
            self._in_parallel(options)
            return
        result = seed_scale(
            only=[s for s in options["only"].split(",") if s],
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
        if not options["no_analyze"]:
            self._analyze()

    def _analyze(self) -> None:
        started = time.monotonic()
        tables = analyze_tables()
        self.stdout.write(f"Analysed {len(tables)} tables in {time.monotonic() - started:.1f} s")

    def _in_parallel(self, options) -> None:
        """Children of this command, one per job, each given every ``jobs``-th business (round robin)."""
        plan = business_plan(
            tenants=options["tenants"],
            documents_per_tenant=options["documents_per_tenant"],
            small_documents=options["small_documents"],
        )
        staff_user()  # shared by all: made once, before the children race for it
        today = (options["today"] or timezone.localdate()).isoformat()
        common = [
            sys.executable, sys.argv[0], "seed_scale", "--seed", str(options["seed"]), "--today", today,
            "--tenants", str(options["tenants"]), "--documents-per-tenant", str(options["documents_per_tenant"]),
            "--small-documents", str(options["small_documents"]), "--no-analyze",
        ]  # fmt: skip
        started = time.monotonic()
        children = [
            subprocess.Popen([*common, "--only", ",".join(slug for slug, _, _ in plan[job :: options["jobs"]])])  # noqa: S603
            for job in range(options["jobs"])
        ]
        failed = [child.args for child in children if child.wait() != 0]
        if failed:
            raise CommandError(f"{len(failed)} seeding process(es) failed: see their output above")
        seconds = time.monotonic() - started
        documents = sum(n for _, _, n in plan)
        self.stdout.write(
            f"Seeded {len(plan)} businesses ({documents:,} documents) with {options['jobs']} processes in "
            f"{seconds:.1f} s ({documents / seconds:,.0f} documents/s)"
        )
        self._analyze()
