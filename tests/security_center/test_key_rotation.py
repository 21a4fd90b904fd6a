"""KEK rotation (rotate_kek) and the DEK re-encryption sweep (reencrypt_sweep, beat task), on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.audit.labels import describe
from apps.security_center.checks import Status, all_checks, get_check, run_checks
from apps.security_center.checks.keys import compute_keys, compute_rotation
from apps.security_center.crypto import envelope, keystore
from apps.security_center.crypto.errors import KekError
from apps.security_center.crypto.kek import LocalKekProvider, set_kek_provider
from apps.security_center.crypto.reencryption import BlobStore, _stores, register_blob_store
from apps.security_center.crypto.rotation import keys_behind, rotate_kek
from apps.security_center.crypto.services import rotate_tenant_dek, shred_tenant_keys, stale_rows
from apps.security_center.crypto.sweep import encrypted_fields, stale_counts, sweep_all, target_name
from apps.security_center.models import TenantKey
from apps.security_center.tasks import reencrypt_sweep
from apps.tenancy.context import tenant_context
from tests.factories import HmrcConnectionFactory, TenantFactory
from tests.helpers import audit_events
from tests.security_center.rotation_helpers import raw_kek_versions, raw_versions

K1, K2 = bytes(range(32)), bytes(range(32, 64))


@pytest.fixture
def local_keks():
    """The local provider with KEK v1; tests move it to v1+v2 as an operator's deploy would."""
    keystore.clear_key_cache()
    set_kek_provider(LocalKekProvider({1: K1}))
    yield set_kek_provider
    set_kek_provider(None)
    keystore.clear_key_cache()


def _notes(model, tenant, count: int) -> dict[uuid.UUID, tuple[str, dict]]:
    expected = {}
    with tenant_context(tenant):
        for n in range(count):
            note = model.objects.create(tenant=tenant, body=f"note {n} of {tenant.slug}", extraction={"n": n})
            expected[note.pk] = (note.body, note.extraction)
    return expected


# --- DEK sweep ------------------------------------------------------------------------------------------------------
def test_the_sweep_finds_every_encrypted_field_by_introspection(rotation_note):
    names = {target_name(m, f) for m, f in encrypted_fields()}
    assert {
        "security_center.RotationNote.body",
        "security_center.RotationNote.extraction",  # EncryptedJSONField
        "integrations.HmrcConnection.access_token",
        "integrations.HmrcConnection.refresh_token",
    } <= names


def test_sweep_moves_every_stale_value_of_the_rotated_tenant_only(rotation_note, local_keks):
    a, b = TenantFactory(), TenantFactory()
    notes_a, notes_b = _notes(rotation_note, a, 5), _notes(rotation_note, b, 2)
    with tenant_context(a):
        HmrcConnectionFactory(tenant=a)
        rotation_note.objects.create(tenant=a, body=None, extraction=None)  # NULLs are not stale
    rotate_tenant_dek(a, actor_label="test")
    with tenant_context(a):
        # stale_rows (the per-field service) works for JSON fields and models it does not know.
        assert len(stale_rows(rotation_note, "extraction", tenant=a)) == 5
    counts = stale_counts(a)
    assert counts["security_center.RotationNote.body"] == 5
    assert counts["security_center.RotationNote.extraction"] == 5
    assert counts["integrations.HmrcConnection.access_token"] == 1

    out = io.StringIO()
    call_command("reencrypt_sweep", "--dry-run", stdout=out)
    assert f"{a.slug}: 12 stale" in out.getvalue() and f"{b.slug}: 0 stale" in out.getvalue()

    out = io.StringIO()
    call_command("reencrypt_sweep", "--batch-size", "2", stdout=out)
    text = out.getvalue()
    assert f"{a.slug}: security_center.RotationNote.body: 2 re-encrypted" in text  # progress per batch
    assert "Re-encrypted 12 values and 0 files in 2 businesses; 0 values and 0 files still stale" in text

    assert raw_versions(rotation_note, a, "body") == [2] * 5
    assert raw_versions(rotation_note, a, "extraction") == [2] * 5
    assert raw_versions(rotation_note, b, "body") == [1] * 2  # the other business was not rotated
    keystore.clear_key_cache()
    for tenant, expected in ((a, notes_a), (b, notes_b)):
        with tenant_context(tenant):
            for pk, (body, extraction) in expected.items():
                note = rotation_note.objects.get(pk=pk)
                assert (note.body, note.extraction) == (body, extraction)
    assert not any(stale_counts(a).values())
    [event] = [e for e in audit_events(a.pk) if e.action == "security_center.tenant_key.reencrypted"]
    assert describe(event) == "re-encrypted 12 values under data key version 2"
    assert "note 0" not in event.body  # ids and counts only
    assert not [e for e in audit_events(b.pk) if e.action == "security_center.tenant_key.reencrypted"]

    out = io.StringIO()
    call_command("reencrypt_sweep", "--tenant", a.slug, stdout=out)
    assert "Re-encrypted 0 values" in out.getvalue()


def test_sweep_counts_values_that_do_not_open_and_goes_on(rotation_note, local_keks):
    a = TenantFactory()
    _notes(rotation_note, a, 3)
    with tenant_context(a):
        first, second, _third = rotation_note.objects.order_by("pk")
        blob = bytes(rotation_note.objects.filter(pk=first.pk).values_list("body", flat=True)[0])
        rotation_note.objects.filter(pk=second.pk).update(body=blob)  # a row swap: bound to another row
    rotate_tenant_dek(a, actor_label="test")
    with pytest.raises(CommandError, match="1 values could not be opened"):
        call_command("reencrypt_sweep", stdout=io.StringIO())
    assert sorted(raw_versions(rotation_note, a, "body")) == [1, 2, 2]


def test_sweep_reaches_registered_blob_stores(local_keks, tenant_a):
    """A store registered through the contract (as the documents app does for files) is re-sealed in batches."""
    blobs: dict[str, bytes] = {}

    def seal(name: str, plain: bytes) -> bytes:
        return envelope.encrypt(tenant_id=tenant_a.pk, label="test.blob", row_id=name, plaintext=plain)

    def stale(tenant, version):
        return sum(1 for b in blobs.values() if envelope.dek_version_of(b) != version)

    def batch(tenant, limit):
        version, _ = keystore.active_key(tenant.pk)
        moved = 0
        for name, blob in list(blobs.items()):
            if moved < limit and envelope.dek_version_of(blob) != version:
                plain = envelope.decrypt(tenant_id=tenant.pk, label="test.blob", row_id=name, blob=blob)
                blobs[name] = seal(name, plain)
                moved += 1
        return moved

    store = register_blob_store(BlobStore("test.files", stale, batch, lambda t: len(blobs), lambda t: 0))
    try:
        with tenant_context(tenant_a):
            for n in range(5):
                blobs[f"f{n}"] = seal(f"f{n}", b"file %d" % n)
        rotate_tenant_dek(tenant_a, actor_label="test")
        assert stale_counts(tenant_a)["blob:test.files"] == 5
        progress = []
        report = sweep_all(tenant=tenant_a, batch_size=2, progress=lambda *args: progress.append(args))
        assert (report.blobs, report.stale_blobs_left) == (5, 0)
        assert [p[2] for p in progress if p[1] == "blob:test.files"] == [2, 4, 5]
        assert {envelope.dek_version_of(b) for b in blobs.values()} == {2}
    finally:
        _stores.pop(store.name)


def test_sweep_skips_businesses_without_keys_or_shredded(local_keks, tenant_a, tenant_b):
    with tenant_context(tenant_a):
        HmrcConnectionFactory(tenant=tenant_a)
    shred_tenant_keys(tenant_a, actor_label="test", reason="test")
    report = sweep_all()
    assert [(t.dek_version, t.rows) for t in report.tenants] == [(None, 0), (None, 0)]
    assert stale_counts(tenant_a) == {} and stale_counts(tenant_b) == {}


def test_the_beat_task_runs_the_sweep(local_keks, tenant_a):
    assert settings.CELERY_BEAT_SCHEDULE["reencrypt-sweep"]["task"] == "maintenance.reencrypt_sweep"
    with tenant_context(tenant_a):
        HmrcConnectionFactory(tenant=tenant_a)
    rotate_tenant_dek(tenant_a, actor_label="test")
    assert reencrypt_sweep() == {
        "rows": 2,
        "blobs": 0,
        "failures": 0,
        "stale_rows_left": 0,
        "stale_blobs_left": 0,
    }


def test_sweep_command_refuses_bad_input(db):
    with pytest.raises(CommandError, match="No business"):
        call_command("reencrypt_sweep", "--tenant", "nobody")
    with pytest.raises(CommandError, match="at least 1"):
        call_command("reencrypt_sweep", "--batch-size", "0")


# --- KEK rotation -------------------------------------------------------------------------------------------------
def test_rotate_kek_rewraps_every_business_then_says_what_to_retire(local_keks, tenant_a, tenant_b):
    for tenant in (tenant_a, tenant_b):
        with tenant_context(tenant):
            HmrcConnectionFactory(tenant=tenant)
    local_keks(LocalKekProvider({1: K1, 2: K2}))  # the operator deployed KEK v2 beside v1
    assert sum(keys_behind().values()) == 2
    out = io.StringIO()
    call_command("rotate_kek", "--rewrap-only", stdout=out)
    text = out.getvalue()
    assert "[############------------] 1/2 businesses" in text and "2/2 businesses, 2 keys re-wrapped" in text
    assert "2 keys of 2 businesses re-wrapped; 0 still behind" in text
    assert "remove versions below 2 from the configuration" in text
    for tenant in (tenant_a, tenant_b):
        assert raw_kek_versions(tenant) == [("local", 2, 1)]
    rotated = [e for e in audit_events() if e.action.startswith("security_center.kek.")]
    assert [e.action for e in rotated] == ["security_center.kek.rotated", "security_center.kek.retired"]
    assert describe(rotated[0]) == "rotated the key-encryption key to version 2"
    # The old version can now go: only v2 configured, everything still opens.
    local_keks(LocalKekProvider({2: K2}))
    keystore.clear_key_cache()
    with tenant_context(tenant_a):
        from apps.integrations.hmrc.models import HmrcConnection

        assert HmrcConnection.objects.get().access_token.startswith("test-access-")


def test_rotate_kek_keeps_the_old_version_while_keys_are_behind(local_keks, tenant_a):
    class Stuck(LocalKekProvider):
        def rewrap(self, blob, kek_version, context):  # a KMS that answers but does not move the key
            return super().wrap(self.unwrap(blob, kek_version, context), context).__class__(blob, "local", 1)

    with tenant_context(tenant_a):
        HmrcConnectionFactory(tenant=tenant_a)
    local_keks(Stuck({1: K1, 2: K2}))
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 data keys are still wrapped under an older KEK"):
        call_command("rotate_kek", stdout=out)
    assert "Old KEK version kept: some keys are still behind" in out.getvalue()
    assert not [e for e in audit_events() if e.action == "security_center.kek.retired"]

    class Broken(LocalKekProvider):
        def rewrap(self, blob, kek_version, context):
            raise KekError("KMS unreachable (test)")

    local_keks(Broken({1: K1, 2: K2}))
    with pytest.raises(CommandError, match="KEK rotation stopped: KMS unreachable"):
        call_command("rotate_kek", stdout=io.StringIO())
    local_keks(LocalKekProvider({1: K1, 2: K2}))
    out = io.StringIO()
    call_command("rotate_kek", "--keep-old", stdout=out)
    assert "Old KEK version kept (--keep-old)" in out.getvalue()


def test_a_reader_holding_a_row_from_before_the_rewrap_reads_it_again(local_keks, tenant_a):
    """Retirement right after a re-wrap: a key row read before the re-wrap is read again, not an error."""
    with tenant_context(tenant_a):
        HmrcConnectionFactory(tenant=tenant_a)
        before = TenantKey.objects.get(purpose="data")
    local_keks(LocalKekProvider({1: K1, 2: K2}))
    rotate_kek(rotate=False, actor_label="test")
    local_keks(LocalKekProvider({2: K2}))  # v1 retired
    with tenant_context(tenant_a):
        row, dek = keystore._unwrap_current(before)
        assert row.kek_version == 2 and len(dek) == 32
        gone = TenantKey(pk=uuid.uuid4(), tenant=tenant_a, purpose="data", version=9, kek_id="local", kek_version=1)
        gone.wrapped_dek = before.wrapped_dek
        with pytest.raises(KekError):
            keystore._unwrap_current(gone)


# --- security center checks ---------------------------------------------------------------------------------------
def test_key_checks_are_registered_and_compute_live_figures(local_keks, tenant_a, tenant_b):
    assert {"encryption.keys", "encryption.rotation"} <= {c.id for c in all_checks()}
    with tenant_context(tenant_a):
        HmrcConnectionFactory(tenant=tenant_a)
    result = compute_keys(None)
    assert result.status == Status.PASS and result.figures["dek_versions"] == {tenant_a.slug: 1}
    assert (
        compute_keys(tenant_b).summary == "local KEK v1; no data key yet; every data key wrapped under the current KEK"
    )

    local_keks(LocalKekProvider({1: K1, 2: K2}))
    behind = compute_keys(tenant_a)
    assert behind.status == Status.WARN and behind.figures["keys_behind_kek"] == 1
    assert compute_keys(tenant_b).status == Status.PASS
    # A business's page shows its own keys only: nothing of the other business.
    assert compute_keys(tenant_b).figures["dek_versions"] == {}
    assert compute_rotation(tenant_b).figures["oldest_dek_age_days"] is None

    rotation = compute_rotation(None)
    assert rotation.status == Status.WARN and "no KEK rotation recorded" in rotation.summary
    assert compute_rotation(tenant_a).status == Status.PASS
    rotate_kek(rotate=False, actor_label="test")
    rotate_tenant_dek(tenant_a, actor_label="test")
    assert compute_keys(None).figures["dek_versions"] == {tenant_a.slug: 2}
    fresh = compute_rotation(None)
    assert fresh.status == Status.PASS and fresh.figures["kek_age_days"] == 0
    assert "KEK last rotated 0 days ago" in fresh.summary

    with tenant_context(tenant_a):
        TenantKey.objects.filter(active=True).update(created_at=timezone.now() - timedelta(days=400))
    old = compute_rotation(tenant_a)
    assert old.status == Status.FAIL and old.figures["oldest_dek_age_days"] == 400

    class Down(LocalKekProvider):
        @property
        def current_version(self):
            raise KekError("KMS unreachable (test)")

    local_keks(Down({1: K1}))
    assert compute_keys(None).status == Status.FAIL
    ids = [c.id for c, _ in run_checks(tenant_a)]
    assert "encryption.keys" in ids and get_check("encryption.rotation").area == "encryption"
