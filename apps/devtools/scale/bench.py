"""Times every page at two sizes of business in one database, signed in as the owner (staff pages as staff).

Each page: one warm-up request (first-hit caches: keys, switches, banners), then ``repeats`` timed requests
through Django's test client in this process, on the application role's connection (row-level security on),
recording wall time, response bytes and queries. The small and the big business are measured in the same
run, so their ratio (growth) is comparable even on a shared, noisy machine; absolute times are not.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.models import User
from apps.documents.models import Document, DocumentState
from apps.filing.models import VatObligation
from apps.ledger.models import JournalEntry
from apps.permissions.models import AccessElevation, StaffRoleGrant
from apps.permissions.services.elevation import approve_elevation, request_elevation
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Tenant
from config.heap import settle_heap

from .pages import Page, pages, selected
from .seed import SLUG, SMALL_SLUG, STAFF_EMAIL, owner_email

P95_LIMIT_MS = 100.0
HTML_LIMIT_KB = 100.0
BOX = "7"  # purchases net: the box with the most lines
ACCOUNT = "800"  # accounts payable: every purchase posts to it
OFFICER_EMAIL = "officer@bench.strongroom.test"
# Downloads of a business's whole history (the accountant's ledger zip, decision 0041): they grow with it by
# nature, so they are timed and shown but not held to a page's limits (at 1M documents they belong in a
# background job that mails a link; see the README's scale section).
WHOLE_HISTORY_EXPORTS = frozenset({"t/<slug:tenant_slug>/reports/ledger.zip"})


@dataclass
class Timing:
    status: int
    ms: list[float] = field(default_factory=list)
    bytes: int = 0
    queries: int = 0

    def p(self, q: float) -> float:
        if not self.ms:
            return 0.0
        ordered = sorted(self.ms)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclass
class Row:
    page: Page
    small: Timing | None
    big: Timing

    @property
    def growth(self) -> float | None:
        if self.small is None or not self.small.ms:
            return None
        return statistics.median(self.big.ms) / max(statistics.median(self.small.ms), 0.001)

    @property
    def is_export(self) -> bool:
        return self.page.route in WHOLE_HISTORY_EXPORTS

    @property
    def flags(self) -> str:
        if self.is_export:
            return "whole-history export"
        marks = []
        if self.big.p(0.95) >= P95_LIMIT_MS:
            marks.append("p95")
        if self.big.bytes / 1024 >= HTML_LIMIT_KB:
            marks.append("size")
        if self.small is not None and self.small.queries != self.big.queries:
            marks.append("queries grow")
        return " ".join(marks)


def signed_in(user: User) -> Client:
    """A client signed in as ``user`` with a verified second factor (the seeded device, as at sign-in)."""
    client = Client(raise_request_exception=False, HTTP_HOST="localhost")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


def elevated(staff: User, tenant: Tenant) -> str:
    """An approved elevation of the benchmark's staff member into ``tenant``, through the real services.

    The staff pages that open a business's data answer 404 without one (decision 0013); a second staff member,
    a security officer, approves it (nobody approves their own). Returns the elevation's id.
    """
    from django.conf import settings
    from django.utils import timezone

    current = AccessElevation.objects.filter(
        requester=staff, tenant=tenant, status=AccessElevation.Status.APPROVED, expires_at__gt=timezone.now()
    ).first()
    if current is not None:
        return str(current.pk)
    officer = User.objects.filter(email=OFFICER_EMAIL).first()
    if officer is None:
        officer = User.objects.create_user(OFFICER_EMAIL, None, full_name="Bench Officer", is_staff=True)
        StaffRoleGrant.objects.create(user=officer, role="security_officer", reason="bench_scale")
    elevation = request_elevation(
        requester=staff, verified=True, tenant=tenant, reason="bench_scale: timing the staff pages",
        minutes=settings.ELEVATION_MAX_MINUTES,
    )  # fmt: skip
    return str(approve_elevation(elevation_id=elevation.pk, approver=officer, verified=True).pk)


def values_for(tenant: Tenant) -> dict[str, str]:
    """Real values for the converters of a business's routes."""
    with tenant_context(tenant):
        posted = Document.objects.filter(state=DocumentState.POSTED).order_by("-uploaded_at").first()
        review = Document.objects.filter(state=DocumentState.NEEDS_REVIEW).order_by("-uploaded_at").first()
        entry = JournalEntry.objects.order_by("-number").first()
        open_period = VatObligation.objects.filter(status=VatObligation.Status.OPEN).order_by("-start").first()
    return {
        "tenant_slug": tenant.slug,
        "tenant_id": str(tenant.pk),
        "document_id": str(posted.pk),
        "review_document_id": str(review.pk) if review else str(posted.pk),
        "entry_id": str(entry.pk),
        "period_key": open_period.period_key,
        "box": BOX,
        "code": ACCOUNT,
        "kind": "payables",  # the aged report (reports/aged/<kind>/)
    }


def _path(page: Page, values: dict[str, str]) -> str:
    path = page.path
    if page.route.endswith("<uuid:document_id>/review/"):
        path = path.replace(values["document_id"], values["review_document_id"])
    return path


def measure(client: Client, path: str, repeats: int) -> Timing:
    first = client.get(path)
    timing = Timing(status=first.status_code)
    if first.status_code != 200:
        return timing
    for _ in range(repeats):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(path)
            # A streamed body (an export) is made while it is read: read it inside the timing.
            body = b"".join(response.streaming_content) if response.streaming else response.content
            timing.ms.append((time.perf_counter() - started) * 1000)
        timing.bytes = len(body)
        timing.queries = len(ctx)
    return timing


def big_business(slug: str | None = None) -> Tenant:
    """The business measured as "big": the one named, else the first seeded one that is not the small one."""
    if slug:
        return Tenant.objects.get(slug=slug)
    return Tenant.objects.filter(slug__startswith=SLUG).exclude(slug=SMALL_SLUG).order_by("slug").first()


def run(
    *, repeats: int, big_slug: str | None = None, only: Collection[str] = (), report: Callable[[str], None] = print
) -> tuple[list, list]:
    """Measure every page (or those ``only`` names: ``pages.selected``); return (rows, skipped): (route, why)."""
    small = Tenant.objects.filter(slug=SMALL_SLUG).first()
    big = big_business(big_slug)
    big_values = values_for(big)
    small_values = values_for(small) if small else None
    owner_big = signed_in(User.objects.get(email=owner_email(big.slug)))
    owner_small = signed_in(User.objects.get(email=owner_email(small.slug))) if small else None
    staff_user = User.objects.get(email=STAFF_EMAIL)
    big_values["elevation_id"] = elevated(staff_user, big)
    if small_values is not None:
        small_values["elevation_id"] = elevated(staff_user, small)
    staff = signed_in(staff_user)
    settle_heap()  # as the WSGI entry point does in each web worker (decision 0044)
    chosen, left = pages(big_values)
    chosen = selected(chosen, only)
    skipped = [(route, "no seeded value for its id") for route in left if not only]
    rows: list[Row] = []
    for page in chosen:
        client = staff if page.staff else owner_big
        timing = measure(client, _path(page, big_values), repeats)
        if timing.status != 200:
            skipped.append((page.route, f"answers {timing.status} to a GET"))
            continue
        small_timing = None
        per_business = not page.staff or "<uuid:tenant_id>" in page.route or "<uuid:elevation_id>" in page.route
        if per_business and small_values is not None:
            small_path = _path(page, big_values)
            for key in ("tenant_slug", "tenant_id", "elevation_id", "document_id", "review_document_id", "entry_id",
                        "period_key"):  # fmt: skip
                small_path = small_path.replace(big_values[key], small_values[key])
            small_timing = measure(staff if page.staff else owner_small, small_path, repeats)
        rows.append(Row(page, small_timing, timing))
        report(f"  {page.route:55} p95 {timing.p(0.95):8.1f} ms  {timing.bytes / 1024:7.1f} KB  {timing.queries} q")
    return rows, skipped


def extrapolated(row: Row, *, small_docs: int, big_docs: int, target: int) -> float | None:
    """p50 at ``target`` documents in one business, on a straight line through the two measured sizes (a guess)."""
    if row.small is None or not row.small.ms or big_docs <= small_docs:
        return None
    small, big = row.small.p(0.5), row.big.p(0.5)
    return max(big, big + (big - small) * (target - big_docs) / (big_docs - small_docs))


def table(rows: list[Row], *, small_docs: int, big_docs: int, target: int = 50_000) -> str:
    """The markdown table the README keeps."""
    head = (
        f"| page | p50 ms | p95 ms | KB | queries | p50 ms at {small_docs:,} docs | queries at {small_docs:,} | "
        f"growth ({small_docs:,} → {big_docs:,}) | p50 ms at {target // 1000}k docs (linear guess) | over |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n"
    )
    lines = []
    for row in rows:
        s = row.small
        guess = extrapolated(row, small_docs=small_docs, big_docs=big_docs, target=target)
        lines.append(
            f"| `{row.page.route}` | {row.big.p(0.5):.1f} | {row.big.p(0.95):.1f} | {row.big.bytes / 1024:.1f} | "
            f"{row.big.queries} | {f'{s.p(0.5):.1f}' if s and s.ms else '–'} | {s.queries if s and s.ms else '–'} | "
            f"{f'{row.growth:.2f}×' if row.growth is not None else '–'} | "
            f"{f'{guess:.0f}' if guess is not None else '–'} | {row.flags} |"
        )
    return head + "\n".join(lines)
