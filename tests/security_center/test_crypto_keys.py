"""Tenant data keys: the cache and its TTL, never caching an uncommitted key, rotation, shredding, audit, commands."""

from __future__ import annotations

import base64
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from apps.security_center.crypto import keystore
from apps.security_center.crypto.blind_index import blind_index, normalize
from apps.security_center.crypto.envelope import decrypt, dek_version_of, encrypt
from apps.security_center.crypto.errors import KeyDestroyed
from apps.security_center.crypto.kek import LocalKekProvider, get_kek_provider, set_kek_provider
from apps.security_center.crypto.services import rotate_tenant_dek, shred_tenant_keys
from apps.security_center.models import TenantKey
from tests.helpers import audit_events

pytestmark = pytest.mark.django_db
LABEL = "test.keys"


class CountingProvider(LocalKekProvider):
    """The local provider, counting unwraps (each would be a KMS call)."""

    unwraps = 0

    def unwrap(self, blob, kek_version, context):
        type(self).unwraps += 1
        return super().unwrap(blob, kek_version, context)


@pytest.fixture
def counting():
    keystore.clear_key_cache()
    CountingProvider.unwraps = 0
    set_kek_provider(CountingProvider({1: bytes(range(32))}))
    yield CountingProvider
    set_kek_provider(None)
    keystore.clear_key_cache()


def _seal(tenant, row, text=b"x"):
    return encrypt(tenant_id=tenant.pk, label=LABEL, row_id=row, plaintext=text)


def _open(tenant, row, blob):
    return decrypt(tenant_id=tenant.pk, label=LABEL, row_id=row, blob=blob)


def test_committed_keys_are_cached_until_the_ttl_or_clear_key_cache(
    counting, tenant_a, in_tenant, monkeypatch, django_capture_on_commit_callbacks
):
    row = uuid.uuid4()
    with django_capture_on_commit_callbacks(execute=True), in_tenant(tenant_a):
        blob = _seal(tenant_a, row)  # creates the key: cached only at commit
    keystore.clear_key_cache()
    with in_tenant(tenant_a):
        for _ in range(5):
            assert _open(tenant_a, row, blob) == b"x"
            _seal(tenant_a, uuid.uuid4())
    assert counting.unwraps == 1  # one unwrap served every later encrypt and decrypt

    now = keystore._clock()
    monkeypatch.setattr(keystore, "_clock", lambda: now + 301)
    with in_tenant(tenant_a):
        _open(tenant_a, row, blob)
    assert counting.unwraps == 2  # expired after 300 s

    keystore.clear_key_cache(tenant_a.pk)
    with in_tenant(tenant_a):
        _open(tenant_a, row, blob)
    assert counting.unwraps == 3


def test_a_key_created_in_a_rolled_back_transaction_is_never_cached(counting, tenant_a, in_tenant):
    with in_tenant(tenant_a):
        with transaction.atomic():
            sid = transaction.savepoint()
            _seal(tenant_a, uuid.uuid4())
            created = TenantKey.objects.get()
            transaction.savepoint_rollback(sid)
        assert not TenantKey.objects.exists()
        # Had the phantom key been cached, this would seal under a key with no row behind it.
        row = uuid.uuid4()
        blob = _seal(tenant_a, row)
        fresh = TenantKey.objects.get()
        assert fresh.pk != created.pk
        keystore.clear_key_cache()
        assert _open(tenant_a, row, blob) == b"x"


def test_rotation_new_writes_use_v2_and_v1_still_opens(tenant_a, in_tenant):
    keystore.clear_key_cache()
    row = uuid.uuid4()
    with in_tenant(tenant_a):
        v1 = _seal(tenant_a, row, b"old")
    key = rotate_tenant_dek(tenant_a, actor=None, actor_label="test")
    assert (key.version, key.active) == (2, True)
    with in_tenant(tenant_a):
        assert dek_version_of(_seal(tenant_a, uuid.uuid4())) == 2
        assert _open(tenant_a, row, v1) == b"old"
        versions = list(TenantKey.objects.filter(purpose="data").values_list("version", "active"))
        assert versions == [(1, False), (2, True)]
    assert rotate_tenant_dek(tenant_a, actor_label="test").version == 3


def test_rotation_of_a_tenant_without_keys_starts_at_version_1(tenant_a):
    assert rotate_tenant_dek(tenant_a, actor_label="test").version == 1


def test_shredding_a_destroys_only_a(tenant_a, tenant_b, in_tenant):
    keystore.clear_key_cache()
    rows = {tenant_a: uuid.uuid4(), tenant_b: uuid.uuid4()}
    blobs = {}
    for tenant, row in rows.items():
        with in_tenant(tenant):
            blobs[tenant] = _seal(tenant, row, b"mine")
            blind_index(tenant.pk, "GB 123 4567 27")
    rotate_tenant_dek(tenant_a, actor_label="test")
    assert shred_tenant_keys(tenant_a, actor_label="test", reason="account closed") == 3  # data v1, v2, index
    with in_tenant(tenant_a):
        assert set(TenantKey.objects.values_list("wrapped_dek", "active")) == {(None, False)}
        assert all(k.destroyed_at for k in TenantKey.objects.all())
        with pytest.raises(KeyDestroyed, match="destroyed"):
            _open(tenant_a, rows[tenant_a], blobs[tenant_a])
        with pytest.raises(KeyDestroyed):
            _seal(tenant_a, uuid.uuid4())
        with pytest.raises(KeyDestroyed):
            blind_index(tenant_a.pk, "GB 123 4567 27")
    with pytest.raises(KeyDestroyed):
        rotate_tenant_dek(tenant_a, actor_label="test")
    with in_tenant(tenant_b):
        assert _open(tenant_b, rows[tenant_b], blobs[tenant_b]) == b"mine"
        _seal(tenant_b, uuid.uuid4())


def test_audit_events_carry_versions_never_key_material(tenant_a, owner_a, in_tenant):
    keystore.clear_key_cache()
    with in_tenant(tenant_a):
        _seal(tenant_a, uuid.uuid4())
        wrapped = bytes(TenantKey.objects.get().wrapped_dek)
    rotate_tenant_dek(tenant_a, actor=owner_a)
    shred_tenant_keys(tenant_a, actor=owner_a, reason="erasure request")
    events = [e for e in audit_events(tenant_a.pk) if e.action.startswith("security_center.")]
    assert [e.action for e in events] == ["security_center.tenant_key.rotated", "security_center.tenant_key.shredded"]
    assert events[0].actor_id == str(owner_a.pk)
    assert '"dek_version":1' in events[0].body and '"dek_version":2' in events[0].body
    assert "erasure request" in events[1].body
    for event in events:
        for form in (wrapped.hex(), base64.b64encode(wrapped).decode(), base64.b64encode(wrapped[:12]).decode()):
            assert form not in event.body


def test_blind_index_normalizes_and_is_per_tenant(tenant_a, tenant_b, in_tenant):
    assert normalize("GB 123-456.789") == normalize("gb123456789") == "gb123456789"
    assert normalize("ＧＢ１２３") == "gb123"  # NFKC: full-width forms
    with in_tenant(tenant_a):
        index = blind_index(tenant_a.pk, "GB 123 4567 27")
        assert len(index) == 16
        assert blind_index(tenant_a.pk, "gb123456727") == index
        assert blind_index(tenant_a.pk, "GB 123 4567 28") != index
        assert blind_index(tenant_a.pk, "GB 123 4567 27", label="tenant.vrn") != index
        assert TenantKey.objects.filter(purpose="index").count() == 1
        with pytest.raises(ValueError, match="nothing to index"):
            blind_index(tenant_a.pk, " - ")
    with in_tenant(tenant_b):
        assert blind_index(tenant_b.pk, "GB 123 4567 27") != index
    # Rotating the data key leaves the index key (and every stored index) alone.
    rotate_tenant_dek(tenant_a, actor_label="test")
    with in_tenant(tenant_a):
        assert blind_index(tenant_a.pk, "GB 123 4567 27") == index


def test_rotate_command_for_one_or_every_tenant(tenant_a, tenant_b, in_tenant, capsys):
    call_command("rotate_tenant_keys", "--tenant", tenant_a.slug)
    assert f"{tenant_a.slug}: data key version 1 active" in capsys.readouterr().out
    call_command("rotate_tenant_keys")
    out = capsys.readouterr().out
    assert f"{tenant_a.slug}: data key version 2 active" in out
    assert f"{tenant_b.slug}: data key version 1 active" in out
    shred_tenant_keys(tenant_b, actor_label="test")
    call_command("rotate_tenant_keys")
    out = capsys.readouterr().out
    assert f"{tenant_b.slug}: keys were destroyed (shredded); skipped" in out
    assert f"{tenant_a.slug}: data key version 3 active" in out
    with pytest.raises(CommandError, match="No business"):
        call_command("rotate_tenant_keys", "--tenant", "no-such-business")
    with pytest.raises(CommandError, match=r"is not app_label\.Model\.field"):
        call_command("rotate_tenant_keys", "--reencrypt", "nonsense")
    events = [e.actor_label for e in audit_events(tenant_a.pk) if e.action == "security_center.tenant_key.rotated"]
    assert len(events) == 3 and all(label.startswith("manage.py") for label in events)


def test_shredding_a_tenant_before_it_ever_had_keys_stops_keys_being_created(tenant_a, in_tenant):
    keystore.clear_key_cache()
    assert shred_tenant_keys(tenant_a, actor_label="test") == 0
    with in_tenant(tenant_a):
        with pytest.raises(KeyDestroyed):
            _seal(tenant_a, uuid.uuid4())
        with pytest.raises(KeyDestroyed):
            blind_index(tenant_a.pk, "anything")
        assert sorted(TenantKey.objects.values_list("purpose", "wrapped_dek")) == [("data", None), ("index", None)]
    with pytest.raises(KeyDestroyed):
        rotate_tenant_dek(tenant_a, actor_label="test")


def test_the_configured_provider_is_the_local_one_by_default():
    set_kek_provider(None)
    assert isinstance(get_kek_provider(), LocalKekProvider)


def test_key_status_shows_versions_and_shredding_without_key_bytes(tenant_a, in_tenant):
    from apps.security_center.crypto.selectors import is_shredded, key_status

    keystore.clear_key_cache()
    assert key_status(tenant_a) == [] and not is_shredded(tenant_a)
    with in_tenant(tenant_a):
        _seal(tenant_a, uuid.uuid4())
    rotate_tenant_dek(tenant_a, actor_label="test")
    status = key_status(tenant_a)
    assert [(s.purpose, s.version, s.active, s.destroyed) for s in status] == [
        ("data", 1, False, False),
        ("data", 2, True, False),
    ]
    assert not hasattr(status[0], "wrapped_dek")
    shred_tenant_keys(tenant_a, actor_label="test")
    assert is_shredded(tenant_a)
    assert all(s.destroyed and s.destroyed_at for s in key_status(tenant_a))


def test_overriding_the_provider_setting_rebuilds_the_provider(settings):
    first = get_kek_provider()
    settings.FIELD_ENCRYPTION_KEK_PROVIDER = "apps.security_center.crypto.kek.LocalKekProvider"
    assert get_kek_provider() is not first
