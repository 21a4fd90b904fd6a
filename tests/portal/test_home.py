"""The business home page's to-dos and the accountant's portfolio (issue #13, decision 0042)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.documents.models import DocumentState
from apps.filing.services.overview import refresh_overview
from apps.integrations.hmrc.models import HmrcConnection
from apps.portal.selectors import home_todos, portfolio
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Role
from tests.conftest import make_member
from tests.factories import (
    BankTransactionFactory,
    DocumentFactory,
    HmrcConnectionFactory,
    MembershipFactory,
    TenantFactory,
)
from tests.factories.filing import VatObligationFactory

pytestmark = pytest.mark.django_db


def home_url(tenant) -> str:
    return reverse("tenancy:home", kwargs={"tenant_slug": tenant.slug})


def _todos(tenant) -> dict:
    with tenant_context(tenant):
        return {t.key: t for t in home_todos(tenant).todos}


def _obligation(tenant, *, due: date, start: date | None = None, status: str = "O"):
    start = start or due - timedelta(days=37 + 90)
    obligation = VatObligationFactory(tenant=tenant, start=start, end=start + timedelta(days=89), due=due,
                                      status=status, period_key=f"{start:%y}A{(start.month - 1) // 3 + 1}")  # fmt: skip
    with tenant_context(tenant):
        refresh_overview(obligation)
    return obligation


class TestHomeTodos:
    def test_a_business_with_nothing_due_is_all_clear(self, tenant_a):
        HmrcConnectionFactory(tenant=tenant_a)
        with tenant_context(tenant_a):
            home = home_todos(tenant_a)
        assert home.all_clear
        assert {t.key for t in home.todos} == {
            "documents.review", "documents.failed", "ledger.bank", "filing.deadline", "integrations.hmrc"
        }  # fmt: skip

    def test_each_todo_counts_and_links_to_the_filtered_page(self, tenant_a):
        for _ in range(3):
            DocumentFactory(tenant=tenant_a, state=DocumentState.NEEDS_REVIEW)
        DocumentFactory(tenant=tenant_a, state=DocumentState.FAILED)
        DocumentFactory(tenant=tenant_a, state=DocumentState.POSTED)
        BankTransactionFactory(tenant=tenant_a)
        BankTransactionFactory(tenant=tenant_a, status="ignored", ignored_reason="Owner paid personally")
        todos = _todos(tenant_a)
        assert todos["documents.review"].count == 3 and todos["documents.review"].needs_action
        assert todos["documents.review"].url.endswith("/documents/?state=needs_review")
        assert todos["documents.failed"].count == 1
        assert todos["documents.failed"].url.endswith("/documents/?state=failed")
        assert todos["ledger.bank"].count == 1
        assert todos["ledger.bank"].url.endswith("/ledger/bank/?status=unposted")
        assert todos["integrations.hmrc"].needs_action  # never connected
        assert todos["integrations.hmrc"].url.endswith("/integrations/hmrc/")

    def test_an_overdue_return_is_a_danger_with_its_blockers(self, tenant_a):
        HmrcConnectionFactory(tenant=tenant_a)
        today = timezone.localdate()
        obligation = _obligation(tenant_a, due=today - timedelta(days=3))
        _obligation(tenant_a, due=today + timedelta(days=90), start=obligation.start + timedelta(days=92))
        todo = _todos(tenant_a)["filing.deadline"]
        assert todo.needs_action and todo.level == "danger"
        assert "Overdue" in todo.detail
        assert todo.url.endswith(f"/filing/{obligation.period_key}/")
        assert todo.blockers  # no VAT settings at least

    def test_a_needs_reauth_connection_is_a_todo(self, tenant_a):
        HmrcConnectionFactory(tenant=tenant_a, status=HmrcConnection.Status.NEEDS_REAUTH)
        assert _todos(tenant_a)["integrations.hmrc"].level == "danger"

    def test_the_page_shows_the_todos_with_their_links(self, client, tenant_a, bookkeeper_a):
        DocumentFactory(tenant=tenant_a, state=DocumentState.NEEDS_REVIEW)
        client.force_login(bookkeeper_a)
        body = client.get(home_url(tenant_a)).content.decode()
        assert "1 document to review" in body
        assert f'href="/t/{tenant_a.slug}/documents/?state=needs_review"' in body
        assert "All clear" not in body

    def test_the_page_says_all_clear(self, client, tenant_a, bookkeeper_a):
        HmrcConnectionFactory(tenant=tenant_a)
        client.force_login(bookkeeper_a)
        assert "All clear" in client.get(home_url(tenant_a)).content.decode()

    def test_another_tenants_figures_never_count(self, tenant_a, tenant_b):
        DocumentFactory(tenant=tenant_b, state=DocumentState.NEEDS_REVIEW)
        BankTransactionFactory(tenant=tenant_b)
        todos = _todos(tenant_a)
        assert todos["documents.review"].count == 0 and todos["ledger.bank"].count == 0

    def test_the_home_page_queries_do_not_grow_with_documents(self, client, tenant_a, bookkeeper_a):
        client.force_login(bookkeeper_a)
        DocumentFactory(tenant=tenant_a, state=DocumentState.NEEDS_REVIEW)
        client.get(home_url(tenant_a))
        with CaptureQueriesContext(connection) as one:
            client.get(home_url(tenant_a))
        for state in (DocumentState.NEEDS_REVIEW, DocumentState.FAILED, DocumentState.POSTED) * 4:
            DocumentFactory(tenant=tenant_a, state=state)
            BankTransactionFactory(tenant=tenant_a)
        with CaptureQueriesContext(connection) as many:
            client.get(home_url(tenant_a))
        assert len(many) == len(one)


def _accountant_with(n: int, user=None):
    """An accountant in ``n`` businesses, each with something to do."""
    user = user or make_member(TenantFactory(status="active"), Role.ACCOUNTANT)
    for i in range(n):
        tenant = TenantFactory(status="active", name=f"Business {i:02d}")
        MembershipFactory(tenant=tenant, user=user, role=Role.ACCOUNTANT)
        DocumentFactory(tenant=tenant, state=DocumentState.NEEDS_REVIEW)
    return user


class TestPortfolio:
    def test_only_the_persons_businesses_are_listed(self, client, tenant_a, tenant_b):
        accountant = make_member(tenant_a, Role.ACCOUNTANT)
        DocumentFactory(tenant=tenant_b, state=DocumentState.FAILED)
        client.force_login(accountant)
        response = client.get(reverse("portfolio"))
        assert response.status_code == 200
        body = response.content.decode()
        assert tenant_a.name in body and tenant_b.name not in body and tenant_b.slug not in body

    def test_figures_per_business(self, tenant_a, tenant_b):
        accountant = make_member(tenant_a, Role.ACCOUNTANT)
        MembershipFactory(tenant=tenant_b, user=accountant, role=Role.VIEWER)
        for _ in range(2):
            DocumentFactory(tenant=tenant_a, state=DocumentState.NEEDS_REVIEW)
        DocumentFactory(tenant=tenant_b, state=DocumentState.FAILED)
        BankTransactionFactory(tenant=tenant_b)
        HmrcConnectionFactory(tenant=tenant_a)
        _, rows = portfolio(accountant, sort="name")
        by_slug = {r.business.slug: r for r in rows}
        a, b = by_slug[tenant_a.slug], by_slug[tenant_b.slug]
        assert (a.cell("documents.review").text, a.cell("documents.failed").text) == ("2", "0")
        assert (b.cell("documents.review").text, b.cell("documents.failed").text) == ("0", "1")
        assert b.cell("ledger.bank").text == "1"
        assert a.cell("integrations.hmrc").text == "Connected"
        assert b.cell("integrations.hmrc").risk > 0
        assert a.cell("documents.review").url.endswith(f"/t/{tenant_a.slug}/documents/?state=needs_review")

    def test_sorted_by_risk_then_by_deadline(self, tenant_a, tenant_b):
        accountant = make_member(tenant_a, Role.ACCOUNTANT)
        MembershipFactory(tenant=tenant_b, user=accountant, role=Role.ACCOUNTANT)
        quiet = TenantFactory(status="active", name="Quiet Ltd")
        MembershipFactory(tenant=quiet, user=accountant, role=Role.ACCOUNTANT)
        for tenant in (tenant_a, tenant_b, quiet):
            HmrcConnectionFactory(tenant=tenant)
        today = timezone.localdate()
        _obligation(tenant_a, due=today + timedelta(days=40))  # on track, due first... after quiet's
        _obligation(quiet, due=today + timedelta(days=20))
        _obligation(tenant_b, due=today - timedelta(days=1))  # overdue
        DocumentFactory(tenant=tenant_a, state=DocumentState.FAILED)
        _, rows = portfolio(accountant, sort="risk")
        assert [r.business.slug for r in rows] == [tenant_b.slug, tenant_a.slug, quiet.slug]
        _, rows = portfolio(accountant, sort="deadline")
        assert [r.business.slug for r in rows] == [tenant_b.slug, quiet.slug, tenant_a.slug]

    def test_failed_documents_weigh_more_than_the_review_backlog(self, tenant_a, tenant_b):
        accountant = make_member(tenant_a, Role.ACCOUNTANT)
        MembershipFactory(tenant=tenant_b, user=accountant, role=Role.ACCOUNTANT)
        for tenant in (tenant_a, tenant_b):
            HmrcConnectionFactory(tenant=tenant)
        for _ in range(5):
            DocumentFactory(tenant=tenant_a, state=DocumentState.NEEDS_REVIEW)
        DocumentFactory(tenant=tenant_b, state=DocumentState.FAILED)
        _, rows = portfolio(accountant, sort="risk")
        assert [r.business.slug for r in rows] == [tenant_b.slug, tenant_a.slug]

    def test_an_unknown_sort_is_a_400(self, client, tenant_a):
        client.force_login(make_member(tenant_a, Role.ACCOUNTANT))
        assert client.get(reverse("portfolio"), {"sort": "drop table"}).status_code == 400

    def test_anonymous_is_sent_to_login(self, client):
        assert client.get(reverse("portfolio")).status_code == 302

    @pytest.mark.skipif("connection.vendor != 'postgresql'")  # the SQLite demo reads business by business
    def test_queries_do_not_grow_with_businesses(self, client):
        accountant = _accountant_with(1)
        client.force_login(accountant)
        client.get(reverse("portfolio"))
        with CaptureQueriesContext(connection) as one:
            assert client.get(reverse("portfolio")).status_code == 200
        _accountant_with(11, user=accountant)
        with CaptureQueriesContext(connection) as many:
            response = client.get(reverse("portfolio"))
        assert response.content.decode().count("data-business=") == 13
        assert len(many) == len(one)

    @pytest.mark.skipif("connection.vendor != 'postgresql'")
    def test_the_function_cannot_be_widened_to_other_businesses(self, tenant_a, tenant_b):
        """Asked for a business the person is not a member of, the definer function returns nothing for it."""
        from apps.core.definer import call_member_function

        accountant = make_member(tenant_a, Role.ACCOUNTANT)
        DocumentFactory(tenant=tenant_b, state=DocumentState.FAILED)
        rows = call_member_function("strongroom_portfolio_documents", accountant.pk, [tenant_a.pk, tenant_b.pk])
        assert [r[0] for r in rows] == [tenant_a.pk]
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('app.tenant_id', true)")
            assert cursor.fetchone()[0] in ("", None)  # the caller's (empty) setting is restored
