"""EncryptedTextField / EncryptedJSONField on a throwaway tenant-scoped model (the RLS test's pattern).

The table is created for the test by the owner role and committed (so the
application role, under row-level security, sees it), then dropped.
"""

from __future__ import annotations

import uuid

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connections, models, transaction

from apps.security_center.crypto import keystore
from apps.security_center.crypto.envelope import dek_version_of
from apps.security_center.crypto.errors import DecryptionError, KeyDestroyed
from apps.security_center.crypto.fields import EncryptedJSONField, EncryptedTextField, Sealed
from apps.security_center.crypto.services import reencrypt_rows, rotate_tenant_dek, shred_tenant_keys
from apps.tenancy.context import tenant_context
from apps.tenancy.models import TenantScopedModel
from apps.tenancy.rls import apply_grants, apply_policies
from tests.factories import TenantFactory

TOKEN = "fictitious-refresh-token-7f3a"


@pytest.fixture
def note_model(committed_db):
    class SecretNote(TenantScopedModel):
        title = models.CharField(max_length=40, default="")
        body = EncryptedTextField(label="test.note_body", null=True, blank=True)
        extraction = EncryptedJSONField(label="test.note_extraction", null=True)

        class Meta:
            app_label = "security_center"
            db_table = "security_center_testsecretnote"

    alias = "owner" if "owner" in settings.DATABASES else "default"
    conn = connections[alias]
    with conn.schema_editor() as editor:
        editor.create_model(SecretNote)
    if conn.vendor == "postgresql":
        apply_grants(conn, settings.DATABASE_APP_ROLE)
        apply_policies(conn)
    keystore.clear_key_cache()
    try:
        yield SecretNote
    finally:
        keystore.clear_key_cache()
        connections["default"].close()
        with conn.schema_editor() as editor:
            editor.delete_model(SecretNote)
        del apps.all_models["security_center"]["secretnote"]
        apps.clear_cache()


@pytest.fixture
def tenants(note_model):
    return TenantFactory(), TenantFactory()


def _raw(model, pk) -> bytes | None:
    table = connections["default"].ops.quote_name(model._meta.db_table)
    conn = connections["default"]
    with conn.cursor() as cursor:
        cursor.execute(f"SELECT body FROM {table} WHERE id = %s", [pk.hex if conn.vendor == "sqlite" else pk])
        row = cursor.fetchone()
    return None if row is None or row[0] is None else bytes(row[0])


def test_round_trip_ciphertext_at_rest_and_ciphertext_only_writes(note_model, tenants):
    a, _ = tenants
    with tenant_context(a):
        note = note_model.objects.create(tenant=a, body=TOKEN, extraction={"supplier": "Acme Timber", "total": "12.50"})
        assert note.body == TOKEN
    with tenant_context(a):
        raw = _raw(note_model, note.pk)
        loaded = note_model.objects.get(pk=note.pk)
        assert isinstance(loaded.__dict__["body"], Sealed)  # not opened until read
        assert loaded.body == TOKEN
        assert loaded.extraction == {"supplier": "Acme Timber", "total": "12.50"}
        assert raw[0] == 1 and TOKEN.encode() not in raw

        with pytest.raises(TypeError, match="ciphertext only"), transaction.atomic():
            note_model.objects.filter(pk=note.pk).update(body="plain text")
        with pytest.raises(TypeError, match="ciphertext only"), transaction.atomic():
            list(note_model.objects.filter(body=TOKEN))
        with pytest.raises(ValueError, match="not an encrypted value"), transaction.atomic():
            note_model.objects.filter(pk=note.pk).update(body=b"plain bytes, not sealed by us, long enough")
        with pytest.raises(TypeError, match="ciphertext only"), transaction.atomic():
            loaded.body = "changed"
            note_model.objects.bulk_update([loaded], ["body"])
        with pytest.raises(TypeError, match="takes the plain value"):
            loaded.body = b"bytes"
        with pytest.raises(TypeError, match="holds text"):
            loaded.body = 42
        assert _raw(note_model, note.pk) == raw  # nothing got through

        assert note_model.objects.filter(pk=note.pk).update(body=None) == 1
        assert note_model.objects.get(pk=note.pk).body is None


def test_empty_string_and_none_round_trip(note_model, tenants):
    a, _ = tenants
    with tenant_context(a):
        empty = note_model.objects.create(tenant=a, body="")
        nothing = note_model.objects.create(tenant=a, body=None)
        fresh = note_model(tenant=a)
        assert (fresh.body, fresh.extraction) == (None, None)
    with tenant_context(a):
        assert note_model.objects.get(pk=empty.pk).body == ""
        assert _raw(note_model, empty.pk)[0] == 1
        assert note_model.objects.get(pk=nothing.pk).body is None
        assert _raw(note_model, nothing.pk) is None


def test_ciphertext_copied_to_another_row_or_tenant_does_not_open(note_model, tenants):
    a, b = tenants
    with tenant_context(a):
        source = note_model.objects.create(tenant=a, body=TOKEN)
        other = note_model.objects.create(tenant=a, body="another value")
        blob = _raw(note_model, source.pk)
        note_model.objects.filter(pk=other.pk).update(body=blob)  # row swap, as an attacker with SQL would
    with tenant_context(b):
        victim = note_model.objects.create(tenant=b, body="b's own")
        note_model.objects.filter(pk=victim.pk).update(body=blob)
    with tenant_context(a):
        assert note_model.objects.get(pk=source.pk).body == TOKEN
        with pytest.raises(DecryptionError, match="another row or business"):
            _ = note_model.objects.get(pk=other.pk).body
    with tenant_context(b), pytest.raises(DecryptionError):
        _ = note_model.objects.get(pk=victim.pk).body


def test_saving_without_reading_keeps_the_bytes_and_a_moved_row_is_resealed(note_model, tenants):
    a, _ = tenants
    with tenant_context(a):
        note = note_model.objects.create(tenant=a, body=TOKEN)
    with tenant_context(a):
        before = _raw(note_model, note.pk)
        loaded = note_model.objects.get(pk=note.pk)
        loaded.title = "renamed"
        loaded.save()
        assert _raw(note_model, note.pk) == before
        # A copy saved as a new row: the ciphertext is re-sealed for the new pk, not copied.
        copy = note_model.objects.get(pk=note.pk)
        copy.pk = uuid.uuid4()
        copy._state.adding = True
        copy.save()
        assert _raw(note_model, copy.pk) != before
    with tenant_context(a):
        assert note_model.objects.get(pk=copy.pk).body == TOKEN


def test_rotation_keeps_old_rows_readable_and_new_writes_use_v2(note_model, tenants):
    a, _ = tenants
    with tenant_context(a):
        old = note_model.objects.create(tenant=a, body="sealed under v1")
        untouched = note_model.objects.create(tenant=a, body="swept later")
    assert dek_version_of(_raw_in(note_model, a, old.pk)) == 1
    key = rotate_tenant_dek(a, actor=None, actor_label="test")
    assert key.version == 2
    with tenant_context(a):
        assert note_model.objects.get(pk=old.pk).body == "sealed under v1"
        new = note_model.objects.create(tenant=a, body="sealed under v2")
        assert dek_version_of(_raw(note_model, new.pk)) == 2
        # Lazy: a row that is read and saved moves to v2.
        reread = note_model.objects.get(pk=old.pk)
        assert reread.body
        reread.save()
        assert dek_version_of(_raw(note_model, old.pk)) == 2
        assert dek_version_of(_raw(note_model, untouched.pk)) == 1
    # The sweep moves the rest; a second sweep finds nothing.
    assert reencrypt_rows(note_model, "body", tenant=a) == 1
    assert reencrypt_rows(note_model, "body", tenant=a) == 0
    with tenant_context(a):
        assert dek_version_of(_raw(note_model, untouched.pk)) == 2
        assert note_model.objects.get(pk=untouched.pk).body == "swept later"


def test_rotate_command_can_sweep_named_fields(note_model, tenants, capsys):
    from django.core.management import call_command

    a, _ = tenants
    with tenant_context(a):
        notes = [note_model.objects.create(tenant=a, body=f"value {i}") for i in range(3)]
    call_command("rotate_tenant_keys", "--tenant", a.slug, "--reencrypt", "security_center.SecretNote.body")
    assert f"{a.slug}: data key version 2 active, 3 values re-encrypted" in capsys.readouterr().out
    with tenant_context(a):
        assert {dek_version_of(_raw(note_model, n.pk)) for n in notes} == {2}
        assert [note_model.objects.get(pk=n.pk).body for n in notes] == ["value 0", "value 1", "value 2"]


def test_shredding_one_tenant_leaves_the_other_working(note_model, tenants):
    a, b = tenants
    with tenant_context(a):
        note_a = note_model.objects.create(tenant=a, body="a's token")
    with tenant_context(b):
        note_b = note_model.objects.create(tenant=b, body="b's token")
    assert shred_tenant_keys(a, actor=None, actor_label="test", reason="customer left") >= 1
    with tenant_context(a):
        with pytest.raises(KeyDestroyed, match="destroyed"):
            _ = note_model.objects.get(pk=note_a.pk).body
        with pytest.raises(KeyDestroyed):
            note_model.objects.create(tenant=a, body="no new keys after shredding")
    with tenant_context(b):
        assert note_model.objects.get(pk=note_b.pk).body == "b's token"
        note_model.objects.create(tenant=b, body="still writable")


def test_json_values_mutated_in_place_are_saved(note_model, tenants):
    a, _ = tenants
    with tenant_context(a):
        note = note_model.objects.create(tenant=a, extraction={"lines": [{"net": "10.00"}]})
    with tenant_context(a):
        loaded = note_model.objects.get(pk=note.pk)
        loaded.extraction["lines"].append({"net": "2.50"})
        loaded.save()
    with tenant_context(a):
        assert note_model.objects.get(pk=note.pk).extraction == {"lines": [{"net": "10.00"}, {"net": "2.50"}]}
        with pytest.raises(TypeError, match="holds JSON"):
            loaded.extraction = {"not json": object()}


def test_deferred_fields_load_on_read_and_are_left_alone_on_save(note_model, tenants):
    a, _ = tenants
    with tenant_context(a):
        note = note_model.objects.create(tenant=a, title="t", body=TOKEN)
    with tenant_context(a):
        before = _raw(note_model, note.pk)
        light = note_model.objects.defer("body").get(pk=note.pk)
        light.title = "renamed"
        light.save()
        assert _raw(note_model, note.pk) == before
        assert note_model.objects.only("title").get(pk=note.pk).body == TOKEN


def test_serialization_carries_ciphertext_only_and_loads_back(note_model, tenants):
    from django.core import serializers

    a, _ = tenants
    with tenant_context(a):
        note = note_model.objects.create(tenant=a, body=TOKEN)
        dumped = serializers.serialize("json", note_model.objects.filter(pk=note.pk))
        assert TOKEN not in dumped
        note_model.objects.filter(pk=note.pk).delete()
        for obj in serializers.deserialize("json", dumped):
            obj.save()
    with tenant_context(a):
        assert note_model.objects.get(pk=note.pk).body == TOKEN


def test_full_clean_keeps_plain_values(note_model, tenants):
    a, _ = tenants
    with tenant_context(a):
        note = note_model(tenant=a, title="t", body="aGVsbG8=", extraction={"a": 1})  # text that looks like base64
        note.full_clean()
        assert (note.body, note.extraction) == ("aGVsbG8=", {"a": 1})
        note.save()
    with tenant_context(a):
        loaded = note_model.objects.get(pk=note.pk)
        loaded.full_clean()
        assert loaded.body == "aGVsbG8="


def test_an_instance_survives_pickling(note_model, tenants):
    import pickle

    a, _ = tenants
    with tenant_context(a):
        note = note_model.objects.create(tenant=a, body=TOKEN)
    with tenant_context(a):
        unread = pickle.loads(pickle.dumps(note_model.objects.get(pk=note.pk)))
        assert isinstance(unread.__dict__["body"], Sealed)
        assert unread.body == TOKEN


def _raw_in(model, tenant, pk):
    with tenant_context(tenant):
        return _raw(model, pk)


@pytest.mark.django_db  # also makes the session create the test database when this file runs alone
def test_field_deconstructs_with_its_label_and_checks_its_model():
    field = EncryptedTextField(label="hmrc.refresh_token", null=True)
    _name, path, _args, kwargs = field.deconstruct()
    assert path == "apps.security_center.crypto.fields.EncryptedTextField"
    assert kwargs == {"label": "hmrc.refresh_token", "null": True}
    with pytest.raises(ValueError, match="label"):
        EncryptedTextField(label="Not A Label")

    class Plain(models.Model):  # noqa: DJ008
        secret = EncryptedTextField(label="test.plain_secret")

        class Meta:
            app_label = "security_center"

    try:
        assert [e.id for e in Plain._meta.get_field("secret").check()] == ["security_center.E001"]
    finally:
        del apps.all_models["security_center"]["plain"]
        apps.clear_cache()
