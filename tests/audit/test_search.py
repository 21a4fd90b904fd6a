"""Reading a chain's log through filters and keyset pages (the selector behind every audit log page)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from apps.audit.forms import AuditFilterForm, action_label
from apps.audit.labels import LABELS
from apps.audit.models import PLATFORM_CHAIN
from apps.audit.selectors import EventFilter, chain_actions, search_events
from apps.audit.services import record_event
from apps.core.pagination import InvalidCursor
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


def matching(chain, filters: EventFilter) -> int:
    return len(search_events(chain, filters, size=200).items)


def test_no_filter_is_the_whole_chain_newest_first(tenant_a, log):
    page = search_events(tenant_a.pk, EventFilter())
    assert [e.seq for e in page.items] == [7, 6, 5, 4, 3, 2, 1] and page.next_cursor is None and page.first
    assert page.items[-1].summary == "posted journal 0"


def test_filters_by_actor_action_object_and_time(tenant_a, log):
    by_bob = search_events(tenant_a.pk, EventFilter(actor="bob@"))
    assert {e.action for e in by_bob.items} == {"tenancy.tenant.updated", "ledger.account.created"}
    assert matching(tenant_a.pk, EventFilter(actor=str(log["alice"].pk))) == 5
    assert matching(tenant_a.pk, EventFilter(action="ledger.entry.posted")) == 5
    assert matching(tenant_a.pk, EventFilter(action="ledger")) == 6  # the app's every action
    assert matching(tenant_a.pk, EventFilter(action="ledger.entry")) == 5
    assert matching(tenant_a.pk, EventFilter(action="ledger.entry.reversed")) == 0
    assert [e.target_id for e in search_events(tenant_a.pk, EventFilter(target="je-3")).items] == ["je-3"]
    assert matching(tenant_a.pk, EventFilter(target="tenancy.tenant")) == 1
    assert matching(tenant_a.pk, EventFilter(actor="alice", target="je-")) == 5

    now = datetime.now(UTC)
    assert matching(tenant_a.pk, EventFilter(since=now - timedelta(minutes=5))) == 7
    assert matching(tenant_a.pk, EventFilter(since=now + timedelta(minutes=5))) == 0
    assert matching(tenant_a.pk, EventFilter(until=now - timedelta(minutes=5))) == 0


def test_a_chain_never_shows_another(tenant_a, tenant_b, log):
    assert search_events(tenant_b.pk, EventFilter()).items == []
    platform = search_events(PLATFORM_CHAIN, EventFilter(actor="alice"))
    assert [e.action for e in platform.items] == ["accounts.login.succeeded"]


def test_the_action_choices_are_every_labelled_action_without_reading_the_chain(
    tenant_a, log, django_assert_num_queries
):
    with django_assert_num_queries(0):
        actions = chain_actions(tenant_a.pk)
    assert actions == sorted(LABELS) and {"ledger.entry.posted", "tenancy.tenant.updated"} <= set(actions)


def test_keyset_pages_walk_the_chain_once_with_the_filter_kept(tenant_a, log):
    first = search_events(tenant_a.pk, EventFilter(), size=3)
    assert [e.seq for e in first.items] == [7, 6, 5] and first.first and first.has_next
    second = search_events(tenant_a.pk, EventFilter(), cursor=first.next_cursor, size=3)
    third = search_events(tenant_a.pk, EventFilter(), cursor=second.next_cursor, size=3)
    assert [e.seq for e in second.items] == [4, 3, 2] and not second.first
    assert [e.seq for e in third.items] == [1] and third.next_cursor is None
    filtered = search_events(tenant_a.pk, EventFilter(action="ledger.entry.posted"), size=3)
    rest = search_events(tenant_a.pk, EventFilter(action="ledger.entry.posted"), cursor=filtered.next_cursor, size=3)
    assert [e.seq for e in filtered.items] == [5, 4, 3] and [e.seq for e in rest.items] == [2, 1]
    empty = search_events(tenant_a.pk, EventFilter(actor="nobody"))
    assert (empty.items, empty.next_cursor) == ([], None)


def test_a_forged_or_foreign_cursor_is_refused(tenant_a, log):
    with pytest.raises(InvalidCursor):
        search_events(tenant_a.pk, EventFilter(), cursor="not-a-cursor")


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
