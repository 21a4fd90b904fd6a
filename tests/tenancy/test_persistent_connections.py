"""Persistent connections (CONN_MAX_AGE) never carry one request's tenant into the next (decision 0035).

The tenant reaches PostgreSQL as ``set_config('app.tenant_id', …, true)``: transaction-local,
so it ends with the request's transaction. These tests reuse one real connection (same
backend pid) across requests for two tenants and look at the setting in between.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.db import connection

from apps.documents.models import Document
from apps.tenancy.context import tenant_context
from tests.conftest import make_member
from tests.factories import DocumentFactory, TenantFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def persistent(monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 600)
    connection.close()  # the next query opens a connection that is kept (close_at is set on connect)
    yield
    connection.close()


def _backend():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid(), current_setting('app.tenant_id', true)")
        return cursor.fetchone()


def test_a_reused_connection_starts_every_request_without_a_tenant(client, persistent):
    a, b = TenantFactory(slug="conn-a"), TenantFactory(slug="conn-b")
    user_a, user_b = make_member(a), make_member(b)
    with tenant_context(a):
        DocumentFactory(tenant=a, original_filename="only-a.pdf")
    with tenant_context(b):
        DocumentFactory(tenant=b, original_filename="only-b.pdf")
    pid, setting = _backend()
    assert not setting

    client.force_login(user_a)
    assert "only-a.pdf" in client.get(f"/t/{a.slug}/documents/").content.decode()
    after_a = _backend()
    assert after_a[0] == pid, "the connection was not reused: the test proves nothing"
    assert not after_a[1], "tenant A's setting outlived its request"
    # Outside any transaction, RLS on the reused connection shows nothing (fails closed).
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM documents_document")
        assert cursor.fetchone()[0] == 0

    client.force_login(user_b)
    body = client.get(f"/t/{b.slug}/documents/").content.decode()
    assert "only-b.pdf" in body and "only-a.pdf" not in body
    assert _backend() == (pid, after_a[1])

    # A refused request (rolled back) leaves nothing behind either.
    assert client.get(f"/t/{b.slug}/documents/?cursor=forged").status_code == 400
    assert not _backend()[1]
    with tenant_context(b):
        assert list(Document.objects.values_list("original_filename", flat=True)) == ["only-b.pdf"]


def test_a_path_that_forgets_to_restore_still_leaves_nothing_on_the_connection(persistent):
    """The restore in ``db_tenant`` is a convenience: the wall is that the setting is transaction-local."""
    from django.db import transaction

    from apps.core.db_tenant import set_db_tenant

    tenant = TenantFactory(slug="conn-c")
    pid, _ = _backend()
    with transaction.atomic():
        set_db_tenant(tenant.pk)  # and never put back
        assert _backend() == (pid, str(tenant.pk))
    assert _backend() == (pid, "")


def test_every_tenant_setting_in_the_code_is_transaction_local():
    """A session-level ``set_config(..., false)`` would survive on a pooled connection: none may exist."""
    calls = []
    for path in (ROOT / "apps").rglob("*.py"):
        for line in path.read_text().splitlines():
            if "set_config('app.tenant_id'" in line:
                calls.append((str(path.relative_to(ROOT)), line.strip()))
    assert len(calls) >= 5, "fewer set_config calls than known: the pattern is out of date"
    # Each call ends its argument list with ``true`` (is_local): "..., true)".
    rests = [(p, line.split("set_config('app.tenant_id'", 1)[1]) for p, line in calls]
    session_level = [(p, rest) for p, rest in rests if "false" in rest or not re.search(r",\s*true\)", rest)]
    assert session_level == []
