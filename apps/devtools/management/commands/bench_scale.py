"""manage.py bench_scale: p50/p95, bytes and queries of every page, and their growth from a small business to a big one.

Run after ``seed_scale`` (``make bench-scale`` does both; an already seeded database is reused). First records a
full audit-chain verification and a run of the security checks, as the beat jobs keep them (the pages read those,
decision 0037), and prints what each took. Prints figures and a markdown table; asserts nothing (shared, noisy
machines: compare the growth ratios, not the absolute times). ``--pages`` times only some routes.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from apps.devtools.scale import bench
from apps.devtools.scale.seed import SMALL_SLUG
from apps.documents.models import Document
from apps.security_center.center.services import record_check_run, verify_and_record_chains
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Tenant


def _documents(slug: str) -> int:
    tenant = Tenant.objects.get(slug=slug)
    with tenant_context(tenant):
        return Document.objects.count()


class Command(BaseCommand):
    help = "Time every portal and staff page on the seed_scale dataset (p50/p95, KB, queries, growth)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--repeats", type=int, default=30, help="Timed requests per page (after one warm-up).")
        parser.add_argument("--business", default=None, help="The big business's slug (default: the first one).")
        parser.add_argument("--output", default="", help="Also write the markdown table to this file.")
        parser.add_argument(
            "--pages",
            default="",
            help="Comma-separated routes or paths to time, shell patterns allowed "
            "(e.g. 'metrics,staff/slo/,staff/filing/*'); default: every page.",
        )

    def _record_what_beat_records(self) -> None:
        """A chain verification and a run of the checks, as the beat jobs keep them: the pages read these (0037).

        Timed and printed: what a full verification and a run of every check cost at this size, off any request.
        """
        started = time.monotonic()
        verification = verify_and_record_chains(trigger="command", full=True)
        self.stdout.write(
            f"Verified {verification.chains} audit chains ({verification.events:,} events) from the first event in "
            f"{time.monotonic() - started:.1f} s"
        )
        started = time.monotonic()
        run = record_check_run(trigger="command")
        self.stdout.write(f"Ran the security checks of the platform and {run.tenants} businesses in "
                          f"{time.monotonic() - started:.1f} s")  # fmt: skip

    def handle(self, *args, **options) -> None:
        if settings.IS_PRODUCTION:
            raise CommandError("bench_scale refuses to run in production.")
        if connection.vendor != "postgresql":
            raise CommandError("bench_scale measures PostgreSQL with row-level security; DATABASE_URL is not.")
        if not Tenant.objects.filter(slug=SMALL_SLUG).exists():
            raise CommandError("No seeded businesses: run manage.py seed_scale (or make bench-scale) first.")
        self._record_what_beat_records()
        only = [p for p in options["pages"].split(",") if p.strip()]
        rows, skipped = bench.run(
            repeats=options["repeats"], big_slug=options["business"], only=only, report=self.stdout.write
        )
        if not rows:
            raise CommandError(f"No page matches --pages {options['pages']!r}.")
        big = (rows[0].page and options["business"]) or Tenant.objects.filter(slug__startswith="scale-").exclude(
            slug=SMALL_SLUG).order_by("slug").first().slug  # fmt: skip
        total = sum(1 for _ in Tenant.objects.all())
        documents = {"small": _documents(SMALL_SLUG), "big": _documents(big)}
        text = bench.table(rows, small_docs=documents["small"], big_docs=documents["big"])
        exports = [r for r in rows if r.is_export]
        timed = [r for r in rows if not r.is_export]
        over = [r for r in timed if r.flags]
        summary = (
            f"\n{len(timed)} pages timed ({options['repeats']} requests each) on {total} businesses; "
            f"{len(timed) - len(over)} meet p95 < {bench.P95_LIMIT_MS:.0f} ms and < {bench.HTML_LIMIT_KB:.0f} KB "
            f"with queries that do not grow; {len(exports)} whole-history export(s) timed apart; "
            f"{len(skipped)} routes not timed."
        )
        self.stdout.write("\n" + text + summary)
        for route, why in skipped:
            self.stdout.write(f"  not timed: {route} ({why})")
        if options["output"]:
            with open(options["output"], "w") as out:
                out.write(text + summary + "\n")
