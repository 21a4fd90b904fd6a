"""Reading a chain's log through filters and pages (the selector behind every audit log page)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from apps.audit.forms import AuditFilterForm, action_label, page_number
from apps.audit.models import PLATFORM_CHAIN
from apps.audit.selectors import EventFilter, chain_actions, search_events
from apps.audit.services import record_event
from apps.security_center.selectors import verify_all_chains
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def log(tenant_a, in_tenant):
    """Seven events in tenant A's chain by two people, and one in the platform chain."""
    alice, bob = UserFactory(email="alice@example.test"), UserFactory(email="bob@example.test")
    with in_tenant(tenant_a):
        for n in range(5):
            record_event("ledger.entry.posted", actor=alice, tenant_id=tenant_a.pk, target_type="ledger.journalentry",
                         target_id=f"je-{n}", after={"number": n})  # fmt: skip
        record_event("tenancy.tenant.updated", actor=bob, tenant_id=tenant_a.pk, target=tenant_a, after={"name": "x"})
        record_event("ledger.account.created", actor=bob, tenant_id=tenant_a.pk, after={"account": "4000"})
    record_event("accounts.login.succeeded", actor=alice)
    return {"alice": alice, "bob": bob}


def test_no_filter_is_the_whole_chain_newest_first(tenant_a, log):
    page = search_events(tenant_a.pk, EventFilter())
    assert (page.matching, page.total, page.pages) == (7, 7, 1)
    assert [e.seq for e in page.events] == [7, 6, 5, 4, 3, 2, 1]
    assert page.events[-1].summary == "posted journal 0"


def test_filters_by_actor_action_object_and_time(tenant_a, log):
    by_bob = search_events(tenant_a.pk, EventFilter(actor="bob@"))
    assert {e.action for e in by_bob.events} == {"tenancy.tenant.updated", "ledger.account.created"}
    assert search_events(tenant_a.pk, EventFilter(actor=str(log["alice"].pk))).matching == 5
    assert search_events(tenant_a.pk, EventFilter(action="ledger.entry.posted")).matching == 5
    assert search_events(tenant_a.pk, EventFilter(action="ledger")).matching == 6  # the app's every action
    assert search_events(tenant_a.pk, EventFilter(action="ledger.entry")).matching == 5
    assert search_events(tenant_a.pk, EventFilter(action="ledger.entry.reversed")).matching == 0
    assert [e.target_id for e in search_events(tenant_a.pk, EventFilter(target="je-3")).events] == ["je-3"]
    assert search_events(tenant_a.pk, EventFilter(target="tenancy.tenant")).matching == 1
    assert search_events(tenant_a.pk, EventFilter(actor="alice", target="je-")).matching == 5

    now = datetime.now(UTC)
    assert search_events(tenant_a.pk, EventFilter(since=now - timedelta(minutes=5))).matching == 7
    assert search_events(tenant_a.pk, EventFilter(since=now + timedelta(minutes=5))).matching == 0
    assert search_events(tenant_a.pk, EventFilter(until=now - timedelta(minutes=5))).matching == 0


def test_a_chain_never_shows_another(tenant_a, tenant_b, log):
    assert search_events(tenant_b.pk, EventFilter()).total == 0
    platform = search_events(PLATFORM_CHAIN, EventFilter(actor="alice"))
    assert [e.action for e in platform.events] == ["accounts.login.succeeded"]
    assert chain_actions(tenant_a.pk) == ["ledger.account.created", "ledger.entry.posted", "tenancy.tenant.updated"]


def test_pages_count_and_clamp(tenant_a, log):
    first = search_events(tenant_a.pk, EventFilter(), page=1, per_page=3)
    assert (first.pages, first.first_index, first.last_index, first.has_previous, first.has_next) == (
        3,
        1,
        3,
        False,
        True,
    )
    assert [e.seq for e in first.events] == [7, 6, 5]
    last = search_events(tenant_a.pk, EventFilter(), page=3, per_page=3)
    assert [e.seq for e in last.events] == [1] and (last.first_index, last.last_index, last.has_next) == (7, 7, False)
    assert search_events(tenant_a.pk, EventFilter(), page=99, per_page=3).number == 3  # past the end: the last
    filtered = search_events(tenant_a.pk, EventFilter(action="ledger.entry.posted"), page=2, per_page=3)
    assert (filtered.matching, filtered.total, [e.seq for e in filtered.events]) == (5, 7, [2, 1])
    empty = search_events(tenant_a.pk, EventFilter(actor="nobody"))
    assert (empty.matching, empty.pages, empty.first_index, empty.last_index, empty.events) == (0, 1, 0, 0, [])


def test_page_numbers_from_the_query_string_are_forgiving():
    assert [page_number(v) for v in (None, "", "2", "0", "-4", "two", "1e9")] == [1, 1, 2, 1, 1, 1, 1]


def test_the_form_turns_days_into_a_range_and_refuses_a_backwards_one(tenant_a, log):
    actions = chain_actions(tenant_a.pk)
    form = AuditFilterForm({"since": "2026-03-01", "until": "2026-03-01", "action": "ledger.entry.posted"},
                           actions=actions)  # fmt: skip
    assert form.is_valid(), form.errors
    filters = form.to_filter()
    assert filters.until - filters.since == timedelta(days=1) and filters.action == "ledger.entry.posted"
    backwards = AuditFilterForm({"since": "2026-03-02", "until": "2026-03-01"}, actions=actions)
    assert not backwards.is_valid() and "after" in str(backwards.errors)
    assert not AuditFilterForm({"action": "ledger.nothing.done"}, actions=actions).is_valid()
    assert not AuditFilterForm({"since": "yesterday"}, actions=actions).is_valid()


def test_action_labels_are_words_with_the_details_elided():
    assert action_label("ledger.entry.posted") == "posted journal …"
    assert action_label("tenancy.tenant.updated") == "changed the business details"
    assert action_label("nobody.knows.this") == "nobody.knows.this"


def test_verify_all_chains_starts_with_the_platform(tenant_a, log):
    reports = verify_all_chains()
    assert reports[0].chain == PLATFORM_CHAIN and all(r.ok for r in reports)
    assert any(r.chain == tenant_a.pk and r.events == 7 for r in reports)
