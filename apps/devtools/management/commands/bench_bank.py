"""``manage.py bench_bank``: time, size and queries of the Bank page with a suggestion on every row (decision 0040).

Seeds once (idempotent by slug) a business with ``--bills`` open purchase invoices
and as many bank lines paying them, each with a payee like its supplier, then
requests the page (50 rows) in process through the whole middleware stack
(``django.test.Client``) and prints p50/p95, KB and queries; then accepts
``--accepts`` suggestions as htmx row swaps and prints the same for those. A
development database only. Timings print; nothing asserts on them.
"""

from __future__ import annotations

import statistics
import time
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.accounts.models import User
from apps.devtools.scale.seed import analyze_tables
from apps.ledger import chart
from apps.ledger.domain import EntryKind
from apps.ledger.models import BankTransaction, JournalEntry
from apps.ledger.services import seed_chart_of_accounts
from apps.ledger.services.journal import LineSpec, locked_counter, write_entry
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Membership, Role, Tenant
from apps.tenancy.services import add_member, create_tenant
from config.heap import settle_heap

SLUG = "bench-bank"
SUPPLIERS = ["Quillfeather Stationers", "Harbour Coffee Roasters", "Granary Bakery Supplies", "Northgate Timber",
             "Lumen Electrical", "Copper Kettle Catering", "Brightwater Cleaning", "Sable Print Works"]  # fmt: skip


def _figures(timings: list[float]) -> tuple[float, float]:
    p95 = statistics.quantiles(timings, n=20)[-1] if len(timings) >= 2 else timings[0]
    return statistics.median(timings), p95


class Command(BaseCommand):
    help = "Seed bills and the bank lines paying them; time the Bank page and accepting suggestions (decision 0040)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--bills", type=int, default=400)
        parser.add_argument("--repeat", type=int, default=30)
        parser.add_argument("--accepts", type=int, default=20)

    def handle(self, *args, **options) -> None:
        if settings.IS_PRODUCTION:
            raise CommandError("bench_bank seeds a business: never in production")
        tenant, user = self._business(options["bills"])
        client = Client()
        client.force_login(user)  # a bookkeeper: no second factor needed to read and handle bank lines
        settle_heap()  # as the WSGI entry point does in each web worker (decision 0044)
        url = f"/t/{tenant.slug}/ledger/bank/"
        self.stdout.write(f"{'request':34} {'p50 ms':>8} {'p95 ms':>8} {'KB':>6} {'queries':>7}")
        pages = {
            "bank page, 50 rows, suggestions": url,
            "bank page, posted lines (undo forms)": url + "?status=posted",
            "journal (the fixed cost, baseline)": f"/t/{tenant.slug}/ledger/journal/",
        }
        for name, page in pages.items():
            timings, size, queries = [], 0, 0
            for i in range(options["repeat"] + 2):
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = client.get(page)
                    took = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    raise CommandError(f"{name}: {response.status_code}")
                if i >= 2:  # two warm-ups: first-hit caches (keys, switches) are not the page
                    timings.append(took)
                size, queries = len(response.content), len(captured.captured_queries)
            p50, p95 = _figures(timings)
            self.stdout.write(f"{name:34} {p50:8.1f} {p95:8.1f} {size / 1000:6.1f} {queries:7}")
        self._accepts(client, tenant, url, options["accepts"])

    def _accepts(self, client: Client, tenant: Tenant, url: str, count: int) -> None:
        body = client.get(url).content.decode()
        buttons = []
        for chunk in body.split('name="s" value="')[1:]:
            value = chunk[: chunk.find('"')]
            action_at = body.rfind('action="', 0, body.find(chunk)) + 8
            buttons.append((body[action_at : body.find('"', action_at)], value))
        timings, size, queries = [], 0, 0
        for action, value in buttons[:count]:
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.post(url + action, {"s": value}, HTTP_HX_REQUEST="true")
                took = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise CommandError(f"accept: {response.status_code} {response.content[:300]!r}")
            timings.append(took)
            size, queries = len(response.content), len(captured.captured_queries)
        if timings:
            p50, p95 = _figures(timings)
            self.stdout.write(f"{'accept a suggestion (htmx row)':34} {p50:8.1f} {p95:8.1f} {size / 1000:6.1f} "
                              f"{queries:7}")  # fmt: skip

    def _business(self, bills: int) -> tuple[Tenant, User]:
        def person(email: str) -> User:
            return User.objects.filter(email=email).first() or User.objects.create_user(email, None, full_name="Bench")

        owner, user = person(f"{SLUG}-owner@example.invalid"), person(f"{SLUG}@example.invalid")
        tenant = Tenant.objects.filter(slug=SLUG).first()
        if tenant is None:
            tenant = create_tenant(name="Bench Bank Ltd", slug=SLUG, owner=owner, status=Tenant.Status.ACTIVE)
        if not Membership.objects.filter(tenant=tenant, user=user).exists():
            Membership.objects.get_or_create(tenant=tenant, user=owner, defaults={"role": Role.OWNER})
            add_member(tenant=tenant, user=user, role=Role.BOOKKEEPER, actor=owner)
        with tenant_context(tenant):
            if not JournalEntry.objects.exists():
                seed_chart_of_accounts(tenant)
            have = BankTransaction.objects.count()
            for n in range(have, bills):
                self._bill_and_payment(tenant, owner, n)
        if have < bills:
            analyze_tables()  # as autovacuum would in time: plans for statistics nobody runs on are not timed
        return tenant, user

    def _bill_and_payment(self, tenant: Tenant, owner: User, n: int) -> None:
        supplier = f"{SUPPLIERS[n % len(SUPPLIERS)]} {n // len(SUPPLIERS) or ''}".strip()
        gross = Decimal(f"{12 + (n * 37) % 900}.{n % 100:02d}")
        vat = (gross / 6).quantize(Decimal("0.01"))
        issued = date(2025, 1, 1) + timedelta(days=n % 80)
        with transaction.atomic():
            write_entry(
                locked_counter(tenant.pk), kind=EntryKind.PURCHASE, entry_date=issued,
                description=f"Purchase invoice INV-{n:05d} from {supplier}",
                lines=[LineSpec("461", debit=gross - vat, vat_rate=Decimal(20), vat_treatment="standard"),
                       LineSpec(chart.VAT_INPUT, debit=vat), LineSpec(chart.ACCOUNTS_PAYABLE, credit=gross,
                                                                      description=supplier)],
                actor=owner,
            )  # fmt: skip
        BankTransaction.objects.create(
            tenant=tenant, feed_account_id="bench-current", external_id=f"bench-{n:06d}",
            date=issued + timedelta(days=n % 9), description=f"FASTER PAYMENT {supplier.upper()} INV-{n:05d}",
            amount=-gross, counterparty=supplier.upper(),
        )  # fmt: skip
