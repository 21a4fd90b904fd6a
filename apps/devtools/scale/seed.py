"""``seed_scale``: businesses with years of history, written as the product would have left them.

Each business gets an owner (2FA device confirmed, so the benchmark can sign in as them), the default chart
(``create_tenant``'s own signal), documents in their final states with sealed extraction and text, task runs,
balanced journal entries and their audit events, a bank feed and eight VAT quarters (seven filed, one open).
One smaller business is seeded alongside, so a page can be compared at two sizes in the same database.
Contents are reproducible from ``seed`` (and the day it runs: dates are relative to today, so the SLO
window and the open VAT period are current); ids of people and businesses and the ciphertexts are not.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from stdnum.gb import vat as gb_vat

from apps.accounts.models import User
from apps.audit.models import AuditEvent
from apps.documents.models import Document, DocumentSearchToken, TaskRun
from apps.filing.models import VatObligation, VatReturn, VatReturnLine, VatSettings
from apps.ledger.models import Account, AccountMonth, BankTransaction, JournalEntry, JournalLine
from apps.observability.models import DocumentStateTally
from apps.permissions.models import StaffRoleGrant
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Tenant
from apps.tenancy.services import create_tenant

from .history import history
from .vat import quarters, seed_vat
from .writer import write_bank_lines, write_history

DOMAIN = "bench.strongroom.test"
SLUG = "scale-"
SMALL_SLUG = "scale-small"
STAFF_EMAIL = f"staff@{DOMAIN}"
STAFF_ROLES = ("platform_admin", "support", "security_officer")
QUARTERS = 8


# The tables a seed fills in bulk (or, like the charts of accounts and the monthly summary its triggers keep,
# as a side effect): their planner statistics are stale until analysed. An unanalysed chart of accounts made
# the VAT figures join from the accounts and read every line of the business (measured 2026-12-06).
SEEDED_MODELS = (Document, DocumentSearchToken, TaskRun, Account, JournalEntry, JournalLine, AccountMonth, AuditEvent,
                 BankTransaction, VatObligation, VatReturn, VatReturnLine, DocumentStateTally)  # fmt: skip


@dataclass
class Seeded:
    tenants: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    def add(self, counts: dict[str, int]) -> None:
        for key, n in counts.items():
            self.rows[key] = self.rows.get(key, 0) + n


def vat_number(rng: random.Random) -> str:
    """A fictitious GB VAT number whose check digits pass (the tenant form validates them)."""
    while True:
        base = f"{rng.randrange(1_000_000, 9_999_999)}"
        for check in range(100):
            candidate = f"{base}{check:02d}"
            if gb_vat.is_valid(candidate):
                return candidate


def owner_email(slug: str) -> str:
    return f"owner@{slug}.{DOMAIN}"


def _verified_user(email: str, name: str, *, staff: bool = False) -> User:
    user = User.objects.create_user(email, None, full_name=name, is_staff=staff)
    TOTPDevice.objects.create(user=user, name="Bench authenticator", confirmed=True, last_used_at=timezone.now())
    return user


def staff_user() -> User:
    """The staff member the benchmark signs in as (roles granted, 2FA device confirmed)."""
    existing = User.objects.filter(email=STAFF_EMAIL).first()
    if existing is not None:
        return existing
    user = _verified_user(STAFF_EMAIL, "Bench Staffwell", staff=True)
    for role in STAFF_ROLES:
        StaffRoleGrant.objects.create(user=user, role=role, reason="bench_scale")
    return user


def business_plan(*, tenants: int, documents_per_tenant: int, small_documents: int) -> list[tuple[str, str, int]]:
    """(slug, name, documents) of every business to seed: the small one first."""
    plan = [(SMALL_SLUG, "Small Bench Trading Ltd", small_documents)] if small_documents else []
    plan += [(f"{SLUG}{k:02d}", f"Bench Trading {k:02d} Ltd", documents_per_tenant) for k in range(1, tenants + 1)]
    return plan


def seed_business(
    *, slug: str, name: str, documents: int, seed: int, today: date, report: Callable[[str], None]
) -> dict[str, int]:
    rng = random.Random(f"{seed}:{slug}:tenant")  # noqa: S311 - reproducible data, not secrets
    owner = _verified_user(owner_email(slug), f"Owner of {name}")
    tenant = create_tenant(
        name=name,
        slug=slug,
        owner=owner,
        vat_number=vat_number(rng),
        company_number=f"{rng.randrange(10**7, 10**8)}",
        status=Tenant.Status.ACTIVE,
    )
    stagger, periods = quarters(today, QUARTERS)
    clock = [time.monotonic()]

    def lap() -> str:
        clock.append(time.monotonic())
        return f"{clock[-1] - clock[-2]:.1f} s"

    made = history(
        seed=seed,
        key=slug,
        own_name=name,
        documents=documents,
        first_day=periods[0][0],
        last_day=today,
        namespace=tenant.pk,
    )
    phases = [f"made {lap()}"]
    counts = write_history(tenant, made, owner_id=owner.pk)
    phases.append(f"written {lap()}")
    counts["bank_lines"] = write_bank_lines(tenant, made, seed=seed, today=today)
    phases.append(f"bank {lap()}")
    counts.update(seed_vat(tenant, owner, periods, stagger, made))
    phases.append(f"VAT {lap()}")
    report(f"  {slug}: " + ", ".join(phases))
    report(f"  {slug}: {counts['documents']} documents, {counts['entries']} entries, {counts['bank_lines']} bank lines")
    return counts


def analyze_tables() -> list[str]:
    """``ANALYZE`` the seeded tables, as their owner when that role is configured (only an owner may).

    Why: autovacuum analyses a table some time after a bulk load; until then the planner believes the tables
    are as small as they were before the seed, and the benchmark would time plans nobody runs in production.
    """
    alias = "owner" if "owner" in connections.databases else DEFAULT_DB_ALIAS
    connection = connections[alias]
    tables = [model._meta.db_table for model in SEEDED_MODELS]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
    return tables


def seed_scale(
    *,
    tenants: int,
    documents_per_tenant: int,
    small_documents: int,
    seed: int,
    today: date | None = None,
    only: Collection[str] = (),
    report: Callable[[str], None] = print,
) -> Seeded:
    """Seed ``tenants`` businesses of ``documents_per_tenant`` documents and one of ``small_documents``.

    ``only`` restricts the run to those slugs (``seed_scale --jobs`` gives each process its share).
    """
    today = today or timezone.localdate()
    started = time.monotonic()
    result = Seeded()
    staff_user()
    plan = business_plan(tenants=tenants, documents_per_tenant=documents_per_tenant, small_documents=small_documents)
    for slug, name, n in plan:
        if only and slug not in only:
            continue
        existing = Tenant.objects.filter(slug=slug).first()
        if existing is not None:
            with tenant_context(existing):
                complete = VatSettings.objects.exists()  # the last phase: a business interrupted before it has none
            if not complete:
                raise RuntimeError(f"{slug} was left half-seeded by an interrupted run: start from an empty database")
            report(f"  {slug}: already seeded, kept")
            continue
        t0 = time.monotonic()
        counts = seed_business(slug=slug, name=name, documents=n, seed=seed, today=today, report=report)
        result.add(counts)
        result.tenants.append(slug)
        rows = sum(counts.values())
        report(f"    {rows} rows in {time.monotonic() - t0:.1f} s ({rows / (time.monotonic() - t0):,.0f} rows/s)")
    result.seconds = time.monotonic() - started
    return result
