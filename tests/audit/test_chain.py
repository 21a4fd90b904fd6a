"""The audit log: recording, masking, chaining, verification and tamper detection."""

from __future__ import annotations

import itertools

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction

from apps.audit.models import PLATFORM_CHAIN, AuditEvent
from apps.audit.selectors import recent_events, verify_chain
from apps.audit.services import canonical_json, link_hash, mask_secrets, record_event
from tests.factories import TenantFactory
from tests.helpers import audit_events


@pytest.mark.django_db
def test_events_are_chained_per_tenant_and_verify(tenant_a, tenant_b, in_tenant, user):
    with in_tenant(tenant_a):
        for i in range(3):
            record_event("tenancy.tenant.updated", actor=user, tenant_id=tenant_a.pk, after={"n": i})
    with in_tenant(tenant_b):
        record_event("tenancy.tenant.updated", actor=user, tenant_id=tenant_b.pk)
    record_event("accounts.login.succeeded", actor=user)

    a_events = audit_events(tenant_a.pk)
    assert [e.seq for e in a_events] == [1, 2, 3]
    assert bytes(a_events[0].prev_hash) == bytes(32)
    for prev, cur in itertools.pairwise(a_events):
        assert bytes(cur.prev_hash) == bytes(prev.hash)
        assert bytes(cur.hash) == link_hash(bytes(prev.hash), cur.seq, cur.body)
    assert [e.seq for e in audit_events(tenant_b.pk)] == [1]
    assert [e.action for e in audit_events(PLATFORM_CHAIN)] == ["accounts.login.succeeded"]
    assert verify_chain(tenant_a.pk).ok and verify_chain(tenant_b.pk).ok and verify_chain(PLATFORM_CHAIN).ok


@pytest.mark.django_db
def test_event_records_who_what_and_request_facts(client, user, tenant_a, in_tenant):
    from apps.observability.context import RequestInfo, request_info

    with request_info(RequestInfo(request_id="req-12345678", ip_address="127.0.0.9")), in_tenant(tenant_a):
        record_event(
            "tenancy.tenant.updated",
            actor=user,
            tenant_id=tenant_a.pk,
            target=tenant_a,
            on_behalf_of="owner@example.test",
            before={"name": "Old"},
            after={"name": "New", "api_token": "s3cr3t"},
        )
    (event,) = audit_events(tenant_a.pk)
    assert (event.action, event.actor_id, event.actor_label) == ("tenancy.tenant.updated", str(user.pk), user.email)
    assert (event.request_id, event.ip_address, event.target_type) == ("req-12345678", "127.0.0.9", "tenancy.tenant")
    assert event.on_behalf_of == "owner@example.test"
    assert '"api_token":"***"' in event.body and "s3cr3t" not in event.body
    assert '"before":{"name":"Old"}' in event.body


def test_mask_secrets_masks_nested_secret_keys():
    data = {"password": "x", "nested": {"refresh_token": "y", "ok": 1}, "list": [{"otp_code": "z"}], "name": "n"}
    assert mask_secrets(data) == {
        "password": "***",
        "nested": {"refresh_token": "***", "ok": 1},
        "list": [{"otp_code": "***"}],
        "name": "n",
    }


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("api_key", True),
        ("otp_code", True),
        ("backup_codes", True),
        ("code", True),
        ("accessToken", True),
        ("client_secret", True),
        ("Authorization", True),
        ("period_key", False),
        ("account_code", False),
        ("error_code", False),
        ("postcode", False),
        ("monkey", False),
        ("barcode_text", False),
    ],
)
def test_secret_names_are_words_not_substrings(name, masked):
    assert (mask_secrets({name: "v"})[name] == "***") is masked


def test_canonical_json_is_stable():
    assert canonical_json({"b": 1, "a": "é"}) == '{"a":"é","b":1}'


def test_action_names_must_be_app_noun_verb():
    with pytest.raises(ValueError, match="app"):
        record_event("login")


@pytest.mark.django_db
def test_recent_events_reads_one_chain_newest_first(user):
    for _ in range(3):
        record_event("accounts.login.succeeded", actor=user)
    assert [e.seq for e in recent_events(PLATFORM_CHAIN, limit=2)] == [3, 2]


def _tamper(event_id, new_body: str) -> None:
    """What an attacker with the owner's credentials would have to do."""
    owner = connections["owner"] if "owner" in connections.settings else connection
    with owner.cursor() as cursor:
        if owner.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_no_update_delete")
            cursor.execute("ALTER TABLE audit_auditevent NO FORCE ROW LEVEL SECURITY")
        key = str(event_id) if owner.vendor == "postgresql" else event_id.hex  # SQLite stores UUIDs as hex
        cursor.execute("UPDATE audit_auditevent SET body = %s WHERE id = %s", [new_body, key])
        assert cursor.rowcount == 1
        if owner.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent FORCE ROW LEVEL SECURITY")
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_no_update_delete")


def test_verify_audit_chain_detects_a_row_altered_in_the_database(committed_db, capsys):
    tenant = TenantFactory()
    from apps.tenancy.context import tenant_context

    with tenant_context(tenant):
        for i in range(4):
            record_event("tenancy.tenant.updated", tenant_id=tenant.pk, after={"n": i})
    call_command("verify_audit_chain")
    out = capsys.readouterr().out
    # Only this test's chains are asserted: other committed-data tests may have left chains of their own.
    assert f"chain tenant {tenant.pk}: 4 events, intact" in out and "chains intact" in out

    second = audit_events(tenant.pk)[1]
    _tamper(second.id, second.body.replace('"n":1', '"n":999'))

    with pytest.raises(CommandError) as excinfo:
        call_command("verify_audit_chain")
    message = str(excinfo.value)
    assert f"chain {tenant.pk} seq 2" in message
    assert str(second.id) in message and "altered" in message


@pytest.mark.postgres
@pytest.mark.django_db
class TestAppendOnlyOnPostgres:
    def test_application_role_cannot_update_delete_or_truncate(self, user):
        record_event("accounts.login.succeeded", actor=user)
        for sql in (
            "UPDATE audit_auditevent SET action = 'x'",
            "DELETE FROM audit_auditevent",
            "TRUNCATE audit_auditevent",
            "SELECT * FROM audit_chain_head",
        ):
            with pytest.raises(Exception, match="permission denied"), transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(sql)

    def test_a_tenant_context_reads_only_its_own_chain(self, tenant_a, tenant_b, in_tenant, user):
        with in_tenant(tenant_b):
            record_event("tenancy.tenant.updated", actor=user, tenant_id=tenant_b.pk)
        record_event("accounts.login.succeeded", actor=user)
        with in_tenant(tenant_a):
            assert AuditEvent.objects.count() == 0

    def test_a_tenant_context_cannot_write_into_another_chain(self, tenant_a, tenant_b, in_tenant, user):
        with in_tenant(tenant_a), pytest.raises(Exception, match="row-level security"), transaction.atomic():
            record_event("tenancy.tenant.updated", actor=user, tenant_id=tenant_b.pk)


@pytest.mark.postgres
def test_owner_is_stopped_by_the_triggers_even_without_forced_rls(committed_db):
    record_event("accounts.login.succeeded", actor_label="someone@example.test")
    owner = connections["owner"]
    for sql in ("DELETE FROM audit_auditevent", "UPDATE audit_auditevent SET action = 'x'"):
        with pytest.raises(Exception, match="append-only"), transaction.atomic(using="owner"):
            with owner.cursor() as cursor:
                cursor.execute("ALTER TABLE audit_auditevent NO FORCE ROW LEVEL SECURITY")
                cursor.execute(sql)
    assert verify_chain(PLATFORM_CHAIN).ok
