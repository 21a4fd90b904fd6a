"""``manage.py bench_lists``: p50/p95, HTML size and queries of the long list pages at scale (decision 0035).

Seeds once (idempotent by slug) one big business (``--documents`` documents, ``--entries``
journal entries, ``--bank`` bank lines) among ``--tenants`` small ones, every sealed value
really sealed and every search token real, then requests each list page in process
through the whole middleware stack (``django.test.Client``) and prints figures; with
``--explain`` the plans of the list queries as well. A development database only: it
refuses to run in production. Timings print, nothing asserts on them.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.models import User
from apps.documents.models import Document, DocumentSearchToken, DocumentState
from apps.documents.search import document_tokens
from apps.documents.selectors import DocumentFilters, filtered_documents
from apps.ledger.list_selectors import JOURNAL_ORDER
from apps.ledger.models import Account, BankTransaction, JournalEntry, JournalLine, JournalSearchToken
from apps.ledger.search import entry_tokens
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Membership, Role, Tenant
from apps.tenancy.services import add_member, create_tenant

SLUG = "bench-lists"
SUPPLIERS = ["Quill Stationers", "Harbour Coffee", "Granary Bakery", "Northgate Timber", "Lumen Electrical",
             "Copper Kettle Catering", "Brightwater Cleaning", "Sable Print Works"]  # fmt: skip
STATES = [DocumentState.POSTED] * 8 + [DocumentState.NEEDS_REVIEW, DocumentState.FAILED]
BATCH = 2000


def _extraction(n: int) -> dict:
    supplier = SUPPLIERS[n % len(SUPPLIERS)]
    return {"supplier_name": {"value": supplier, "confidence": 0.9}, "document_number": {"value": f"INV-{n:07d}"},
            "supplier_vat_number": {"value": f"GB{100000000 + n % 997:09d}"}, "gross": {"value": f"{n % 900 + 1}.00"},
            "issue_date": {"value": (date(2024, 1, 1) + timedelta(days=n % 700)).isoformat()}}  # fmt: skip


class Command(BaseCommand):
    help = "Seed a large business and time the documents list, journal and bank pages (decision 0035)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--documents", type=int, default=200_000)
        parser.add_argument("--entries", type=int, default=50_000)
        parser.add_argument("--bank", type=int, default=50_000)
        parser.add_argument("--tenants", type=int, default=20, help="small businesses beside the big one")
        parser.add_argument("--repeat", type=int, default=30)
        parser.add_argument("--explain", action="store_true")

    def handle(self, *args, **options) -> None:
        if settings.IS_PRODUCTION:
            raise CommandError("bench_lists seeds a business: never in production")
        tenant, user = self._business(options)
        client = Client()
        client.force_login(user)
        # A second factor is required to see a business: a device used just now, as a sign-in leaves it.
        device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})
        TOTPDevice.objects.filter(pk=device.pk).update(last_used_at=timezone.now())
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
        base = f"/t/{tenant.slug}"
        with tenant_context(tenant):
            cursor_url = self._deep_cursor(client, f"{base}/documents/")
        pages = {
            "business home (to-dos)": f"{base}/",
            f"portfolio ({options['tenants'] + 1} businesses)": "/portfolio/",
            "documents list": f"{base}/documents/",
            "documents, page after 40": cursor_url,
            "documents, search supplier": f"{base}/documents/?q=harbour+coffee",
            "documents, search number": f"{base}/documents/?q=INV-0012345",
            "documents, state+dates": f"{base}/documents/?state=needs_review&uploaded_from=2024-01-01",
            "documents, supplier+total": f"{base}/documents/?supplier=harbour+coffee&amount=2.00",
            "documents, posted (1,000+)": f"{base}/documents/?state=posted",
            "journal": f"{base}/ledger/journal/",
            "journal, account filter": f"{base}/ledger/journal/?account=7000",
            "journal, narration": f"{base}/ledger/journal/?q=bench+entry+1234",
            "journal, reference": f"{base}/ledger/journal/?reference=1001234",
            "bank lines (all)": f"{base}/ledger/bank/?status=all",
            "bank lines (not posted)": f"{base}/ledger/bank/",
            "api documents (size 50)": "/api/v1/documents/?size=50",
        }
        self.stdout.write(f"{'page':32} {'p50 ms':>8} {'p95 ms':>8} {'SQL p50':>8} {'KB':>6} {'queries':>7}")
        for name, url in pages.items():
            headers = {"HTTP_X_STRONGROOM_TENANT": tenant.slug} if url.startswith("/api/") else {}
            timings, sql, size, queries = [], [], 0, 0
            for i in range(options["repeat"] + 2):
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = client.get(url, **headers)
                    took = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    raise CommandError(f"{name}: {response.status_code} {response.content[:300]!r}")
                if i >= 2:  # two warm-ups: first-hit caches (keys, switches) are not the page
                    timings.append(took)
                    sql.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
                size, queries = len(response.content), len(captured.captured_queries)
            p95 = statistics.quantiles(timings, n=20)[-1] if len(timings) >= 2 else timings[0]
            self.stdout.write(f"{name:32} {statistics.median(timings):8.1f} {p95:8.1f} {statistics.median(sql):8.1f} "
                              f"{size / 1000:6.1f} {queries:7}")  # fmt: skip
        if options["explain"]:
            self._explain(tenant)

    def _deep_cursor(self, client: Client, url: str) -> str:
        for _ in range(40):
            body = client.get(url).content.decode()
            marker = body.find('rel="next"')
            start = body.rfind('href="', 0, marker) + 6
            url = body[start : body.find('"', start)].replace("&amp;", "&")
        return url

    def _explain(self, tenant: Tenant) -> None:
        with tenant_context(tenant):
            plans = {
                "documents list (keyset page 1)": filtered_documents(tenant.pk, DocumentFilters()).order_by(
                    "-uploaded_at", "-id")[:51],
                "documents, needs_review": filtered_documents(tenant.pk, DocumentFilters(state="needs_review"))
                .order_by("-uploaded_at", "-id")[:51],
                "documents, search": filtered_documents(tenant.pk, DocumentFilters(query="harbour coffee")).order_by(
                    "-uploaded_at", "-id")[:51],
                "old documents list (all columns, 200)": Document.objects.select_related("duplicate_of", "uploaded_by")
                .order_by("-uploaded_at")[:200],
                "journal (keyset page 1)": JournalEntry.objects.order_by(*JOURNAL_ORDER)[:26],
            }  # fmt: skip
            for name, queryset in plans.items():
                self.stdout.write(f"\n--- {name}")
                self.stdout.write(queryset.explain(analyze=True, buffers=True))

    # --- seeding ---------------------------------------------------------------------------------------

    def _business(self, options) -> tuple[Tenant, User]:
        def person(email: str) -> User:
            return User.objects.filter(email=email).first() or User.objects.create_user(email, None, full_name="Bench")

        owner, user = person(f"{SLUG}-owner@example.invalid"), person(f"{SLUG}@example.invalid")
        tenant = Tenant.objects.filter(slug=SLUG).first()
        if tenant is None:  # a bookkeeper reads the pages (an owner's session would need a second factor)
            tenant = create_tenant(name="Bench Lists Ltd", slug=SLUG, owner=owner, status=Tenant.Status.ACTIVE)
        if not Membership.objects.filter(tenant=tenant, user=user).exists():
            Membership.objects.get_or_create(tenant=tenant, user=owner, defaults={"role": Role.OWNER})
            add_member(tenant=tenant, user=user, role=Role.BOOKKEEPER, actor=owner)
        for n in range(options["tenants"]):
            small = Tenant.objects.filter(slug=f"{SLUG}-{n}").first() or create_tenant(
                name=f"Bench Small {n} Ltd", slug=f"{SLUG}-{n}", owner=owner, status=Tenant.Status.ACTIVE)  # fmt: skip
            self._seed(small, documents=options["documents"] // 200, entries=0, bank=0)
            if not Membership.objects.filter(tenant=small, user=user).exists():  # the portfolio's businesses
                add_member(tenant=small, user=user, role=Role.ACCOUNTANT, actor=owner)
        self._seed(tenant, documents=options["documents"], entries=options["entries"], bank=options["bank"])
        return tenant, user

    def _seed(self, tenant: Tenant, *, documents: int, entries: int, bank: int) -> None:
        rng = random.Random(str(tenant.pk))  # noqa: S311  (synthetic amounts, not secrets)
        with tenant_context(tenant):
            have = Document.objects.count()
            started = time.monotonic()
            for offset in range(have, documents, BATCH):
                with transaction.atomic():
                    batch = []
                    for n in range(offset, min(offset + BATCH, documents)):
                        batch.append(self._document(tenant, n))
                    Document.objects.bulk_create(batch)
                    moment = timezone.now() - timedelta(minutes=documents - offset)
                    Document.objects.filter(pk__in=[d.pk for d in batch]).update(uploaded_at=moment)
                    DocumentSearchToken.objects.bulk_create(
                        [
                            DocumentSearchToken(tenant=tenant, document=d, token=t)
                            for d in batch
                            for t in document_tokens(tenant.pk, d.extraction)
                        ]
                    )
                self.stdout.write(f"{tenant.slug}: {min(offset + BATCH, documents)} documents "
                                  f"({time.monotonic() - started:.0f} s)")  # fmt: skip
            self._seed_ledger(tenant, rng, entries=entries, bank=bank)

    def _document(self, tenant: Tenant, n: int) -> Document:
        return Document(
            tenant=tenant,
            original_filename=f"scan-{n:07d}.pdf",
            content_type="application/pdf",
            size=40_000 + n % 9000,
            pages=1 + n % 3,
            sha256=f"{tenant.pk.hex}{n:032x}",
            storage_name=f"tenants/{tenant.pk}/bench/{n}.pdf",
            state=STATES[n % len(STATES)],
            extraction=_extraction(n),
            text=f"Page text of document {n}. " * 60,
        )

    def _seed_ledger(self, tenant: Tenant, rng: random.Random, *, entries: int, bank: int) -> None:
        if not entries and not bank:
            return
        debit, _ = Account.objects.get_or_create(
            tenant=tenant, code="7000", defaults={"name": "Bench costs", "type": "expense"}
        )
        credit, _ = Account.objects.get_or_create(
            tenant=tenant, code="7001", defaults={"name": "Bench payable", "type": "liability"}
        )
        have = JournalEntry.objects.filter(number__gte=1_000_000).count()
        for offset in range(have, entries, BATCH):
            with transaction.atomic():
                made = JournalEntry.objects.bulk_create([
                    JournalEntry(tenant=tenant, number=1_000_000 + n, date=date(2024, 1, 1) + timedelta(days=n % 700),
                                 description=f"Bench entry {n}", kind="manual")
                    for n in range(offset, min(offset + BATCH, entries))
                ])  # fmt: skip
                # bulk_create skips JournalEntry.save, which writes the narration's search tokens (issue #13).
                JournalSearchToken.objects.bulk_create([
                    JournalSearchToken(tenant=tenant, entry=entry, token=token)
                    for entry in made for token in sorted(entry_tokens(tenant.pk, entry.description))
                ])  # fmt: skip
                lines = []
                for entry in made:
                    amount = Decimal(rng.randint(100, 99_999)) / 100
                    lines.append(JournalLine(tenant=tenant, entry=entry, account=debit, position=1, debit=amount))
                    lines.append(JournalLine(tenant=tenant, entry=entry, account=credit, position=2, credit=amount))
                JournalLine.objects.bulk_create(lines)
        have = BankTransaction.objects.filter(feed_account_id="bench").count()
        for offset in range(have, bank, BATCH):
            with transaction.atomic():
                BankTransaction.objects.bulk_create([
                    BankTransaction(tenant=tenant, feed_account_id="bench", external_id=f"b{n:08d}",
                                    date=date(2024, 1, 1) + timedelta(days=n % 700), description=f"Card payment {n}",
                                    amount=-Decimal(rng.randint(100, 99_999)) / 100, counterparty="Bench Shop")
                    for n in range(offset, min(offset + BATCH, bank))
                ])  # fmt: skip
