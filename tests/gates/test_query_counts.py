"""Query counts of the main pages: a fixed bound, and no growth from one row to many (an N+1 fails here).

Each page is requested with one row of what it lists, then with many; the
number of queries must be the same, and within the bound. The bounds are the
counts measured on PostgreSQL when this was written (RLS adds a set_config
per tenant scope; SQLite needs fewer) plus two: raise one only with a reason.
The VAT pages and the account ledger grow with postings in the open period;
``/metrics`` and ``/staff/slo/`` with businesses (each with documents, task
runs, a finished onboarding and filing outcomes): issue #18.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

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

    def vat(name: str, **kwargs) -> Callable[[], str]:
        return lambda: reverse(name, kwargs={"tenant_slug": slug, **kwargs})

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
]


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
    """``n`` businesses that each did what the platform pages count: documents read, onboarding finished."""
    from apps.filing.models import SubmissionOutcomeLog

    now = timezone.now()
    for _ in range(n):
        tenant = TenantFactory()
        with tenant_context(tenant):
            document = DocumentFactory(tenant=tenant, state=DocumentState.POSTED)
            TaskRunFactory(tenant=tenant, document=document, task_name="documents.process_document",
                           state="succeeded", started_at=now - timedelta(seconds=5), finished_at=now)  # fmt: skip
            OnboardingProgressFactory(tenant=tenant, started_at=now - timedelta(minutes=8), completed_at=now)
        SubmissionOutcomeLog.objects.create(outcome="submitted")


@pytest.mark.parametrize(("name", "bound"), [("metrics", 30), ("staff-slo", 21)])
def test_platform_pages_do_not_grow_with_businesses(
    name, bound, staff_user, verified_client, django_assert_max_num_queries
):
    """/metrics and /staff/slo/ read stored counters or one grouped query per figure, never a pass per business."""
    client = verified_client(staff_user)
    url = "/metrics" if name == "metrics" else reverse("slo:dashboard")
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
