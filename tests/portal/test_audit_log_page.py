"""/t/<business>/audit/: the business's whole log for its owners and accountants, filtered, paged, verified."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.audit.services import record_event
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Role
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def url(tenant_a):
    return reverse("tenancy:audit", kwargs={"tenant_slug": tenant_a.slug})


@pytest.fixture
def events(tenant_a, tenant_b, in_tenant, owner_a):
    with in_tenant(tenant_a):
        for n in range(60):
            record_event("ledger.entry.posted", actor=owner_a, tenant_id=tenant_a.pk, after={"number": n})
        record_event("tenancy.tenant.updated", actor=owner_a, tenant_id=tenant_a.pk, after={"name": "Aldgate"})
    with in_tenant(tenant_b):
        record_event("ledger.account.created", tenant_id=tenant_b.pk, after={"account": "7777", "name": "Secret"})


def test_owner_reads_the_log_paged_with_counts_and_the_chain_intact(verified_client, owner_a, url, events):
    page = verified_client(owner_a).get(url)
    body = page.content.decode()
    assert page.status_code == 200
    assert "Showing 1–50 of 61 matching events (61 in the log)" in body
    assert "Intact" in body and "All 61 events of this business" in body
    assert "changed the business details (name)" in body and "posted journal 59" in body
    assert "posted journal 10" not in body  # on the second page
    assert "Secret" not in body and "7777" not in body  # another business's chain
    second = verified_client(owner_a).get(url, {"page": 2}).content.decode()
    assert "Showing 51–61 of 61" in second and "posted journal 10" in second and "posted journal 59" not in second
    assert "Page 2 of 2" in second


def test_filters_narrow_the_log_and_keep_the_filter_across_pages(verified_client, owner_a, url, events):
    c = verified_client(owner_a)
    body = c.get(url, {"action": "tenancy.tenant.updated"}).content.decode()
    assert "Showing 1–1 of 1 matching event (61 in the log)" in body and "posted journal 5" not in body
    body = c.get(url, {"action": "ledger.entry.posted"}).content.decode()
    assert "of 60 matching events" in body and "action=ledger.entry.posted&amp;page=2" in body
    body = c.get(url, {"actor": owner_a.email, "since": "2000-01-01", "until": "2000-01-31"}).content.decode()
    assert "No matching events (61 in the log)" in body


def test_bad_filters_are_a_400_with_the_reason(verified_client, owner_a, url, events):
    response = verified_client(owner_a).get(url, {"since": "2026-03-02", "until": "2026-03-01"})
    assert response.status_code == 400 and "after the “To” date" in response.content.decode()
    assert verified_client(owner_a).get(url, {"action": "<script>"}).status_code == 400


@pytest.mark.parametrize(("role", "allowed"), [(Role.ACCOUNTANT, True), (Role.BOOKKEEPER, False), (Role.VIEWER, False)])
def test_accountants_read_it_bookkeepers_and_viewers_do_not(verified_client, client, tenant_a, url, role, allowed):
    member = MembershipFactory(tenant=tenant_a, role=role).user
    response = verified_client(member).get(url)
    assert response.status_code == (200 if allowed else 403)
    home = client.get(reverse("tenancy:home", kwargs={"tenant_slug": tenant_a.slug})).content.decode()
    assert (url in home) is allowed


def test_a_member_of_another_business_cannot_read_it(verified_client, bookkeeper_b, url):
    assert verified_client(bookkeeper_b).get(url).status_code in (403, 404)


def test_the_page_reads_a_fixed_number_of_queries_however_long_the_log(verified_client, owner_a, url, tenant_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c = verified_client(owner_a)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(url, {"actor": "person"}).status_code == 200
        return len(ctx.captured_queries)

    with tenant_context(tenant_a):
        record_event("ledger.entry.posted", actor=owner_a, tenant_id=tenant_a.pk, after={"number": 0})
    one = queries()
    with tenant_context(tenant_a):
        for n in range(1, 120):
            record_event("ledger.entry.posted", actor=owner_a, tenant_id=tenant_a.pk, after={"number": n})
    assert queries() == one
