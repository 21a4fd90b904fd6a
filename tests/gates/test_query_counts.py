"""Query counts of the main pages: a fixed bound, and no growth from one row to many (an N+1 fails here).

Each page is requested with one row of what it lists, then with many; the
number of queries must be the same, and within the bound. The bounds are the
counts measured on PostgreSQL when this was written (RLS adds a set_config
per tenant scope; SQLite needs fewer) plus two: raise one only with a reason.
The VAT pages and the account ledger grow with postings in the open period;
``/metrics`` and ``/staff/slo/`` with businesses (each with documents, task
runs, a finished onboarding and filing outcomes): issue #18. The audit logs,
the security centers and the staff pages of one business grow with audit
events, recorded check runs, businesses and unresolved documents outside the
VAT period (decision 0037).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.documents.models import DocumentState
from apps.ledger import services as ledger
from apps.ledger.services import seed_chart_of_accounts
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Role
from tests.conftest import make_member
from tests.factories import (
    BankTransactionFactory,
    DocumentFactory,
    MembershipFactory,
    OnboardingProgressFactory,
    TaskRunFactory,
    TenantFactory,
)
from tests.factories.filing import VatSettingsFactory, quarter
from tests.helpers import commit_data_keys
from tests.ledger.builders import classified, make_extraction

pytestmark = pytest.mark.django_db
MANY = 12
Q1_2025 = "?date_from=2025-01-01&date_to=2025-03-31"
HOME_BOUND = 36  # 34 measured: the page's own 20 and the to-dos' 14 (decision 0042)
ACCOUNTS = ["461", "463", "445", "489", "493", "473", "425", "433", "408", "412", "404", "400"]


@dataclass
class Page:
    url: Callable[[], str]
    grow: Callable[[int], None]  # add n more of what the page lists
    bound: int


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    return len(ctx)


@pytest.fixture
def business(tenant_a):
    with tenant_context(tenant_a):
        seed_chart_of_accounts(tenant_a)
    return tenant_a


@pytest.fixture
def member_client(verified_client, business):
    owner = make_member(business, Role.OWNER)
    return verified_client(owner), owner


def _documents(tenant, user, n: int, **fields) -> list:
    return [DocumentFactory(tenant=tenant, uploaded_by=user, **fields) for _ in range(n)]


def _post(tenant, n: int) -> None:
    with tenant_context(tenant):
        for i in range(n):
            ledger.post_document(
                document_id=uuid.uuid4(),
                extraction=make_extraction(net="100.00", vat="20.00", gross="120.00", breakdown=()),
                classification=classified(ACCOUNTS[i % len(ACCOUNTS)]),
            )


def _review_document(tenant, user):
    extraction = {
        "supplier_name": {"value": "Quillfeather Stationers Ltd", "confidence": 0.5},
        "supplier_vat_number": {"value": "980780684", "confidence": 0.99},
        "document_number": {"value": "QF-1", "confidence": 0.99},
    }
    return DocumentFactory(
        tenant=tenant,
        uploaded_by=user,
        state=DocumentState.NEEDS_REVIEW,
        extraction=extraction,
        classification={"account_code": "461", "vat_treatment": "standard", "explanation": "x"},
    )


def tenant_pages(tenant, user) -> dict[str, Page]:
    slug = tenant.slug
    review_doc = _review_document(tenant, user)
    detail_doc = DocumentFactory(tenant=tenant, uploaded_by=user)
    attempts = iter(range(1, 1000))

    def more_runs(n: int) -> None:
        for _ in range(n):
            TaskRunFactory(tenant=tenant, document=detail_doc, attempt=next(attempts))

    def more_duplicates_and_queue(n: int) -> None:
        # Same supplier VAT number and invoice number: shown as possible duplicates; and more waiting for review.
        for _ in range(n):
            DocumentFactory(
                tenant=tenant, uploaded_by=user, state=DocumentState.NEEDS_REVIEW, extraction=review_doc.extraction
            )

    def more_members(n: int) -> None:
        for _ in range(n):
            make_member(tenant, Role.BOOKKEEPER)

    # The open VAT period (25A1) the postings fall in: make_extraction dates them 14 March 2025.
    with tenant_context(tenant):
        VatSettingsFactory(tenant=tenant, first_period_start=date(2025, 1, 1))
        period = quarter(tenant, date(2025, 1, 1)).period_key

    bank_lines = iter(range(1, 1000))

    def more_bank_lines(n: int) -> None:
        # Each line pays an open bill of its amount: every row carries a ranked suggestion (decision 0040).
        for _ in range(n):
            i = next(bank_lines)
            with tenant_context(tenant):
                ledger.post_document(
                    document_id=uuid.uuid4(),
                    extraction=make_extraction(
                        supplier=f"Supplier {i} Ltd",
                        number=f"B-{i}",
                        net=f"{i}.00",
                        vat="0.00",
                        gross=f"{i}.00",
                        breakdown=(),
                    ),
                    classification=classified("461"),
                )
            BankTransactionFactory(
                tenant=tenant, amount=-Decimal(f"{i}.00"), date=date(2025, 3, 16), counterparty=f"SUPPLIER {i} LTD"
            )

    def vat(name: str, **kwargs) -> Callable[[], str]:
        return lambda: reverse(name, kwargs={"tenant_slug": slug, **kwargs})

    def more_unresolved_elsewhere(n: int) -> None:
        """Documents still needing review, dated in earlier years: history the open period must not read."""
        with tenant_context(tenant):
            for i in range(n):
                doc = DocumentFactory(tenant=tenant, uploaded_by=user, state=DocumentState.NEEDS_REVIEW)
                doc.extraction = {"issue_date": {"value": f"{2015 + i % 9}-{1 + i % 12:02d}-11"}}
                doc.save(update_fields=["extraction"])

    def report(name: str, query: str, **kwargs) -> Callable[[], str]:
        return lambda: reverse(f"reports:{name}", kwargs={"tenant_slug": slug, **kwargs}) + query

    def more_todos(n: int) -> None:
        # What the home page counts: documents to review and failed ones, bank lines not posted (issue #13).
        states = (DocumentState.NEEDS_REVIEW, DocumentState.FAILED, DocumentState.POSTED)
        for i in range(n):
            DocumentFactory(tenant=tenant, uploaded_by=user, state=states[i % 3])
            BankTransactionFactory(tenant=tenant)

    return {
        "business home": Page(lambda: reverse("tenancy:home", args=[slug]), more_todos, HOME_BOUND),
        "documents list": Page(
            lambda: reverse("documents:list", args=[slug]), lambda n: _documents(tenant, user, n), 17
        ),
        "document detail": Page(lambda: reverse("documents:detail", args=[slug, detail_doc.pk]), more_runs, 17),
        "review panel": Page(
            lambda: reverse("documents:review", args=[slug, review_doc.pk]), more_duplicates_and_queue, 19
        ),
        "trial balance": Page(lambda: reverse("ledger:trial-balance", args=[slug]), lambda n: _post(tenant, n), 16),
        "journal": Page(lambda: reverse("ledger:journal", args=[slug]), lambda n: _post(tenant, n), 17),
        "team": Page(lambda: reverse("tenancy:team", args=[slug]), more_members, 17),
        # Issue #18: bounds are today's counts on PostgreSQL plus two.
        "VAT control tower": Page(vat("filing:home"), lambda n: _post(tenant, n), 27),
        "open VAT period": Page(vat("filing:period", period_key=period), lambda n: _post(tenant, n), 26),
        "box drill-down": Page(vat("filing:box", period_key=period, box=7), lambda n: _post(tenant, n), 20),
        "account ledger": Page(vat("ledger:account", code="800"), lambda n: _post(tenant, n), 17),
        # Decision 0037: history outside the period, the audit log, recorded runs of the security checks.
        "VAT control tower, old documents": Page(vat("filing:home"), more_unresolved_elsewhere, 27),
        "open VAT period, old documents": Page(vat("filing:period", period_key=period), more_unresolved_elsewhere, 28),
        "audit log": Page(vat("tenancy:audit"), lambda n: _audit_events(tenant, n), 26),
        "security center": Page(vat("security:center"), lambda n: _check_runs(n), 20),
        # Issue #13: the reports, over the period the postings fall in.
        "profit and loss": Page(report("profit-and-loss", Q1_2025), lambda n: _post(tenant, n), 18),
        "balance sheet": Page(report("balance-sheet", Q1_2025), lambda n: _post(tenant, n), 19),
        "reports trial balance": Page(report("trial-balance", ""), lambda n: _post(tenant, n), 16),
        "aged payables": Page(report("aged", "?as_of=2025-06-30", kind="payables"), lambda n: _post(tenant, n), 17),
        "VAT detail": Page(report("vat-detail", "", period_key=period), lambda n: _post(tenant, n), 20),
        "bank": Page(vat("ledger:bank"), more_bank_lines, 23),
    }


PAGES = [
    "business home",
    "documents list",
    "document detail",
    "review panel",
    "trial balance",
    "journal",
    "team",
    "VAT control tower",
    "open VAT period",
    "box drill-down",
    "account ledger",
    "VAT control tower, old documents",
    "open VAT period, old documents",
    "audit log",
    "security center",
    "profit and loss",
    "balance sheet",
    "reports trial balance",
    "aged payables",
    "VAT detail",
    "bank",
]


def _audit_events(tenant, n: int) -> None:
    from apps.audit.services import record_event

    with tenant_context(tenant):
        for i in range(n):
            record_event("ledger.entry.posted", tenant_id=tenant.pk, after={"number": i})


def _check_runs(n: int) -> None:
    from apps.security_center.center.services import record_check_run, verify_and_record_chains

    for _ in range(n):
        record_check_run()
        verify_and_record_chains()


@pytest.mark.parametrize("name", PAGES)
def test_page_queries_do_not_grow_with_rows(
    member_client, business, name, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    client, owner = member_client
    # Sealed values (decision 0025): the data key is cached once its transaction commits, as in production.
    commit_data_keys(business, django_capture_on_commit_callbacks)
    page = tenant_pages(business, owner)[name]
    page.grow(1)
    client.get(page.url())  # warm: first-hit cache fills (switches, banners, keys) are not rows
    one = queries(client, page.url())
    page.grow(MANY - 1)
    with django_assert_max_num_queries(page.bound):
        client.get(page.url())
    many = queries(client, page.url())
    assert many == one, f"{name}: {one} queries with one row, {many} with {MANY}: an N+1"


def test_staff_console_home_does_not_grow_with_tenants(staff_user, verified_client, django_assert_max_num_queries):
    client = verified_client(staff_user)
    TenantFactory()
    one = queries(client, reverse("staff:home"))
    for _ in range(MANY - 1):
        TenantFactory()
    with django_assert_max_num_queries(24):
        client.get(reverse("staff:home"))
    assert queries(client, reverse("staff:home")) == one


def _member_businesses(user, n: int) -> None:
    """``n`` more businesses of ``user``, each with something in every portfolio column."""
    for _ in range(n):
        tenant = TenantFactory(status="active")
        MembershipFactory(tenant=tenant, user=user, role=Role.ACCOUNTANT)
        DocumentFactory(tenant=tenant, state=DocumentState.NEEDS_REVIEW)
        DocumentFactory(tenant=tenant, state=DocumentState.FAILED)
        BankTransactionFactory(tenant=tenant)


def test_portfolio_does_not_grow_with_businesses(verified_client, django_assert_max_num_queries):
    """The accountant's portfolio: one grouped query per column source, never a pass per business (issue #13)."""
    accountant = make_member(TenantFactory(status="active"), Role.ACCOUNTANT)
    client = verified_client(accountant)
    url = reverse("portfolio")
    client.get(url)  # warm
    one = queries(client, url)
    _member_businesses(accountant, MANY - 1)
    with django_assert_max_num_queries(PORTFOLIO_BOUND):
        client.get(url)
    many = queries(client, url)
    assert many == one, f"portfolio: {one} queries with one business, {many} with {MANY}"


PORTFOLIO_BOUND = 14  # 12 measured: session, memberships, one query per column source


def _active_business(n: int) -> None:
    """``n`` businesses that each did what the platform pages count: documents read, onboarding finished, a
    VAT period on the staff control tower."""
    from apps.filing.models import FilingPeriodOverview, SubmissionOutcomeLog

    now = timezone.now()
    for _ in range(n):
        tenant = TenantFactory()
        with tenant_context(tenant):
            document = DocumentFactory(tenant=tenant, state=DocumentState.POSTED)
            TaskRunFactory(tenant=tenant, document=document, task_name="documents.process_document",
                           state="succeeded", started_at=now - timedelta(seconds=5), finished_at=now)  # fmt: skip
            OnboardingProgressFactory(tenant=tenant, started_at=now - timedelta(minutes=8), completed_at=now)
        SubmissionOutcomeLog.objects.create(outcome="submitted")
        FilingPeriodOverview.objects.create(
            tenant=tenant, vrn="123456789", period_key="25A1", start=date(2025, 1, 1), end=date(2025, 3, 31),
            due=date(2025, 5, 7), obligation_status="O",
        )  # fmt: skip


PLATFORM_PAGES = {"metrics": "/metrics", "staff-slo": "/staff/slo/", "staff-filing": "/staff/filing/"}


@pytest.mark.parametrize(("name", "bound"), [("metrics", 23), ("staff-slo", 17), ("staff-filing", 12)])
def test_platform_pages_do_not_grow_with_businesses(
    name, bound, staff_user, verified_client, django_assert_max_num_queries
):
    """/metrics, /staff/slo/ and the staff control tower read stored counters, one grouped query per figure or
    one page of rows, never a pass per business."""
    client = verified_client(staff_user)
    url = PLATFORM_PAGES[name]
    _active_business(1)
    client.get(url)  # warm
    one = queries(client, url)
    _active_business(MANY - 1)
    with django_assert_max_num_queries(bound):
        client.get(url)
    many = queries(client, url)
    assert many == one, f"{name}: {one} queries with one business, {many} with {MANY}"


def test_the_check_catches_an_n_plus_one(member_client, business):
    """The gate itself: a page that queries once per row is caught by the same comparison."""
    from django.contrib.auth import get_user_model

    _, owner = member_client
    docs = _documents(business, owner, MANY)

    def naive_count(rows) -> int:
        with CaptureQueriesContext(connection) as ctx, tenant_context(business):
            for d in rows:  # what a template does when the view forgets select_related
                get_user_model().objects.get(pk=d.uploaded_by_id)
        return len(ctx)

    one, many = naive_count(docs[:1]), naive_count(docs)
    assert many == one + MANY - 1  # grows with the rows: the comparison above fails such a page


def _business_with_history(n: int, tenant=None):
    """A business (new, or ``tenant``) with ``n`` more audit events, unresolved old documents and postings."""
    from apps.audit.services import record_event

    new = tenant is None
    tenant = tenant or TenantFactory()
    with tenant_context(tenant):
        if new:
            seed_chart_of_accounts(tenant)
            VatSettingsFactory(tenant=tenant, first_period_start=date(2025, 1, 1))
            quarter(tenant, date(2025, 1, 1))
        for i in range(n):
            record_event("ledger.entry.posted", tenant_id=tenant.pk, after={"number": i})
            doc = DocumentFactory(tenant=tenant, state=DocumentState.NEEDS_REVIEW)
            doc.extraction = {"issue_date": {"value": f"{2016 + i % 8}-{1 + i % 12:02d}-09"}}
            doc.save(update_fields=["extraction"])
    _post(tenant, n)
    return tenant


STAFF_PAGES = {
    # name: (url for the business, bound)
    "staff audit log": (lambda t: reverse("staff:audit"), 24),
    "staff security center": (lambda t: reverse("staff-security:center"), 16),
    "staff business": (lambda t: reverse("staff:tenant", kwargs={"tenant_id": t.pk}), 41),
    "staff business audit log": (lambda t: reverse("staff:tenant-audit", kwargs={"tenant_id": t.pk}), 39),
    "staff business VAT periods": (lambda t: reverse("staff-filing:tenant", kwargs={"tenant_id": t.pk}), 38),
}


@pytest.mark.parametrize("name", list(STAFF_PAGES))
def test_staff_pages_do_not_grow_with_history_or_businesses(
    name, verified_client, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    """Decision 0037: verification and checks are read from what was stored, never recomputed per request."""
    from apps.security_center.center.services import record_check_run, verify_and_record_chains
    from tests.factories.permissions import elevate, make_staff

    officer = make_staff("security_officer")
    client = verified_client(officer)
    tenant = _business_with_history(1)
    commit_data_keys(tenant, django_capture_on_commit_callbacks)
    elevate(officer, tenant, minutes=60)
    record_check_run()
    verify_and_record_chains()
    url_for, bound = STAFF_PAGES[name]
    url = url_for(tenant)
    client.get(url)  # warm
    one = queries(client, url)
    _business_with_history(MANY - 1, tenant)
    for _ in range(3):
        _business_with_history(2)
    record_check_run()
    verify_and_record_chains()
    with django_assert_max_num_queries(bound):
        client.get(url)
    many = queries(client, url)
    assert many == one, f"{name}: {one} queries at first, {many} with more history and businesses"
