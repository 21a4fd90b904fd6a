"""/t/<business>/audit/: the business's whole log for its owners and accountants, filtered, paged, verified."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from apps.audit.services import checkpoint_chain, record_event
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


def _next(body: str) -> str:
    return re.search(r'href="([^"]+)" rel="next"', body).group(1).replace("&amp;", "&")


def test_owner_reads_the_log_paged_with_the_stored_verification(verified_client, owner_a, url, events, tenant_a):
    page = verified_client(owner_a).get(url)
    body = page.content.decode()
    assert page.status_code == 200
    assert "61 events in the log" in body
    assert "Not verified yet" in body and "61 newer events not verified yet" in body  # the page never verifies
    assert "changed the business details (name)" in body and "posted journal 59" in body
    assert "posted journal 10" not in body  # on the second page
    assert "Secret" not in body and "7777" not in body  # another business's chain
    second = verified_client(owner_a).get(_next(body)).content.decode()
    assert "posted journal 10" in second and "posted journal 59" not in second and 'rel="next"' not in second
    assert 'rel="first"' in second
    checkpoint_chain(tenant_a.pk)
    verified = verified_client(owner_a).get(url).content.decode()
    assert "Intact" in verified and "Events 1–61 link up" in verified and "Every event is verified" in verified
    with tenant_context(tenant_a):
        record_event("tenancy.tenant.updated", actor=owner_a, tenant_id=tenant_a.pk, after={"name": "Later"})
    assert "1 newer event not verified yet" in verified_client(owner_a).get(url).content.decode()


def test_a_cursor_that_is_not_ours_is_a_400(verified_client, owner_a, url, events):
    assert verified_client(owner_a).get(url, {"cursor": "forged"}).status_code == 400


def test_filters_narrow_the_log_and_keep_the_filter_across_pages(verified_client, owner_a, url, events):
    c = verified_client(owner_a)
    body = c.get(url, {"action": "tenancy.tenant.updated"}).content.decode()
    assert "Matching events, newest first" in body and "posted journal 5" not in body
    assert "changed the business details (name)" in body and 'rel="next"' not in body
    body = c.get(url, {"action": "ledger.entry.posted"}).content.decode()
    assert "posted journal 59" in body and "action=ledger.entry.posted" in _next(body)
    second = c.get(_next(body)).content.decode()
    assert "posted journal 9" in second and "posted journal 0" in second
    assert "changed the business details (name)" not in second
    body = c.get(url, {"actor": owner_a.email, "since": "2000-01-01", "until": "2000-01-31"}).content.decode()
    assert "No matching events. 61 events in the log." in body


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
