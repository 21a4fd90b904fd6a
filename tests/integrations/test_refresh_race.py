"""Refresh tokens are single use: two workers refreshing at once must not both spend the same one.

Runs on PostgreSQL with real commits and two threads (two database
connections): the row lock in tokens._refresh is what makes the second caller
wait and then use the token the first one stored.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from apps.integrations.hmrc import selectors
from apps.integrations.hmrc import tokens as hmrc_tokens
from apps.integrations.hmrc.models import HmrcConnection
from apps.sandbox.services.faults import set_fault
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Role
from tests.factories import MembershipFactory, TenantFactory, UserFactory
from tests.integrations.hmrc_helpers import connect_hmrc

pytestmark = pytest.mark.postgres


def _refreshes(adapter) -> int:
    return sum(1 for r in adapter.requests if r.url.endswith("/oauth/token") and "grant_type=refresh_token" in r.body)


def _race(tenant, callers: int = 2) -> tuple[list[str], list[BaseException]]:
    barrier = threading.Barrier(callers)
    tokens: list[str] = []
    errors: list[BaseException] = []

    def caller() -> None:
        try:
            barrier.wait(timeout=10)
            tokens.append(hmrc_tokens.access_token_for(tenant))
        except BaseException as error:  # reported by the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=caller) for _ in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return tokens, errors


def test_concurrent_refreshes_are_serialised(committed_db, sandbox_http):
    tenant = TenantFactory(name="Coldharbour Bakery Ltd", slug="coldharbour-bakery")
    owner = MembershipFactory(tenant=tenant, role=Role.OWNER, user=UserFactory()).user
    connect_hmrc(tenant, owner)
    with tenant_context(tenant):
        row = HmrcConnection.objects.get()
        old_access = row.access_token
        row.expires_at = timezone.now() + timedelta(minutes=1)
        row.save()
    # A slow token endpoint keeps the first refresh (and its row lock) open while the second caller arrives.
    set_fault("hmrc", latency_ms=400)

    tokens, errors = _race(tenant)

    assert errors == []
    assert len(tokens) == 2 and tokens[0] == tokens[1] != old_access
    assert _refreshes(sandbox_http) == 1
    connection = selectors.connection_for(tenant)
    assert connection.status == HmrcConnection.Status.CONNECTED
    with tenant_context(tenant):
        assert HmrcConnection.objects.get().access_token == tokens[0]


def test_without_the_lock_the_second_refresh_would_fail(committed_db, sandbox_http, monkeypatch):
    """The control: the same race with select_for_update removed loses the connection (single-use tokens)."""
    from django.db.models.query import QuerySet

    tenant = TenantFactory(name="Dunmore Signs Ltd", slug="dunmore-signs")
    owner = MembershipFactory(tenant=tenant, role=Role.OWNER, user=UserFactory()).user
    connect_hmrc(tenant, owner)
    with tenant_context(tenant):
        row = HmrcConnection.objects.get()
        row.expires_at = timezone.now() + timedelta(minutes=1)
        row.save()
    set_fault("hmrc", latency_ms=400)
    monkeypatch.setattr(QuerySet, "select_for_update", lambda self, *a, **kw: self)

    _tokens, errors = _race(tenant)

    assert _refreshes(sandbox_http) == 2
    assert len(errors) == 1 and type(errors[0]).__name__ == "HmrcNotConnected"
