"""manage.py bench_reports: how long each report takes on a big business, its queries, and the ledger zip's memory.

A benchmark, not a test: it prints figures and asserts nothing (these machines are shared and noisy). Run it
on seed_scale's data (the business with the most journal lines unless --tenant names one). For each report:
the median of --repeat runs in milliseconds and the number of queries; for the ledger zip: its size, the
time to stream it whole and the peak Python memory while streaming (tracemalloc), against the number of
journal lines, which shows it does not hold the ledger.
"""

from __future__ import annotations

import statistics
import time
import tracemalloc
from collections.abc import Callable
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.filing.models import VatObligation, VatSettings
from apps.ledger.models import JournalLine
from apps.reports.aged import aged_report
from apps.reports.exports import tables
from apps.reports.exports.ledger_zip import ledger_zip
from apps.reports.exports.pdf import render_table
from apps.reports.periods import Period, quarter_of
from apps.reports.statements import balance_sheet_for, profit_and_loss
from apps.reports.vat_detail import detail_rows, vat_detail
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Tenant


class Command(BaseCommand):
    help = "Time the reports and exports on a large business (seed_scale's), and the ledger zip's peak memory."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--tenant", default="", help="Slug (default: the business with the most lines).")
        parser.add_argument("--repeat", type=int, default=3)

    def handle(self, *args, **options) -> None:
        tenant = self._tenant(options["tenant"])
        repeat = options["repeat"]
        with tenant_context(tenant):
            lines = JournalLine.objects.count()
            last = JournalLine.objects.order_by("-entry__date").values_list("entry__date", flat=True).first()
            if last is None:
                raise CommandError(f"{tenant.slug} has no journal lines: run seed_scale first.")
            quarter = quarter_of(last)
            year = Period(date(last.year, 1, 1), last)
            obligation = VatObligation.objects.filter(start__lte=last).order_by("-start").first()
            settings = VatSettings.objects.first()
            self.stdout.write(f"{tenant.slug}: {lines} journal lines, the last dated {last}")
            cases: list[tuple[str, Callable[[], object]]] = [
                ("P&L, a quarter", lambda: profit_and_loss(quarter)),
                ("P&L, year to date", lambda: profit_and_loss(year)),
                ("balance sheet", lambda: balance_sheet_for(quarter)),
                ("aged payables", lambda: aged_report("payables", last)),
                ("aged receivables", lambda: aged_report("receivables", last)),
                ("P&L as PDF", lambda: render_table(tables.profit_and_loss_table(profit_and_loss(quarter), "x"))),
            ]
            if obligation is not None:
                cases.append(("VAT detail totals", lambda: vat_detail(obligation, None, settings)))
                cases.append(("VAT detail rows (all)", lambda: sum(1 for _ in detail_rows(obligation, None, settings))))
            for name, run in cases:
                self._time(name, run, repeat)
        self._zip(tenant, lines)  # outside a transaction, as the view streams it

    def _tenant(self, slug: str) -> Tenant:
        if slug:
            found = Tenant.objects.filter(slug=slug).first()
            if found is None:
                raise CommandError(f"No business {slug}.")
            return found
        # The application role sees one business's lines at a time (RLS): count each inside its context.
        tenants = list(Tenant.objects.all())
        best, most = None, -1
        for t in tenants:
            with tenant_context(t):
                n = JournalLine.objects.count()
            if n > most:
                best, most = t, n
        if best is None:
            raise CommandError("No business: run seed_scale first.")
        return best

    def _time(self, name: str, run: Callable[[], object], repeat: int) -> None:
        run()  # warm
        times = []
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter()
                run()
                times.append((time.perf_counter() - start) * 1000)
        self.stdout.write(f"  {name:<24} {statistics.median(times):8.1f} ms  {len(ctx):3d} queries")

    def _zip(self, tenant: Tenant, lines: int) -> None:
        tracemalloc.start()
        start = time.perf_counter()
        size = sum(len(piece) for piece in ledger_zip(tenant.pk))
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        self.stdout.write(
            f"  ledger zip: {size / 1e6:.1f} MB for {lines} lines in {elapsed:.1f} s; "
            f"peak traced memory {peak / 1e6:.1f} MB"
        )
