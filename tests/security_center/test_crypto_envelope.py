"""Envelope encryption without a model: format, binding to tenant/row/label, tampering, lazy keys, cache."""

from __future__ import annotations

import uuid

import pytest

from apps.security_center.crypto import keystore
from apps.security_center.crypto.envelope import MIN_BLOB_BYTES, decrypt, dek_version_of, encrypt, sealer
from apps.security_center.crypto.errors import DecryptionError
from apps.security_center.models import TenantKey
from apps.tenancy.errors import TenantContextError

pytestmark = pytest.mark.django_db

LABEL = "test.secret_note"
SECRET = b"refresh-token-of-a-fictitious-business"


@pytest.fixture(autouse=True)
def _fresh_cache():
    keystore.clear_key_cache()
    yield
    keystore.clear_key_cache()


def _seal(tenant, row_id, plaintext=SECRET, label=LABEL):
    return encrypt(tenant_id=tenant.pk, label=label, row_id=row_id, plaintext=plaintext)


def _open(tenant, row_id, blob, label=LABEL):
    return decrypt(tenant_id=tenant.pk, label=label, row_id=row_id, blob=blob)


def test_round_trip_and_format(tenant_a, in_tenant):
    row = uuid.uuid4()
    with in_tenant(tenant_a):
        blob = _seal(tenant_a, row)
        assert _open(tenant_a, row, blob) == SECRET
    assert blob[0] == 0x01
    assert dek_version_of(blob) == 1
    assert len(blob) == MIN_BLOB_BYTES + len(SECRET)
    assert SECRET not in blob


def test_a_tenants_sealer_writes_what_encrypt_writes_bound_to_each_row(tenant_a, tenant_b, in_tenant):
    first, second = uuid.uuid4(), uuid.uuid4()
    with in_tenant(tenant_a):
        seal = sealer(tenant_a.pk)
        blob, other = seal(LABEL, first, SECRET), seal(LABEL, second, SECRET)
        assert _open(tenant_a, first, blob) == SECRET == _open(tenant_a, second, other)
        assert blob[: MIN_BLOB_BYTES - 16 - 12] == _seal(tenant_a, first)[: MIN_BLOB_BYTES - 16 - 12]  # header
        assert blob != seal(LABEL, first, SECRET)  # a fresh nonce each time
        with pytest.raises(DecryptionError):
            _open(tenant_a, second, blob)  # bound to its own row, as encrypt's are
    with in_tenant(tenant_b), pytest.raises(DecryptionError):
        _open(tenant_b, first, blob)


def test_each_seal_uses_a_fresh_nonce(tenant_a, in_tenant):
    row = uuid.uuid4()
    with in_tenant(tenant_a):
        assert _seal(tenant_a, row) != _seal(tenant_a, row)


def test_first_use_creates_one_data_key_per_tenant_lazily(tenant_a, tenant_b, in_tenant):
    with in_tenant(tenant_a):
        assert not TenantKey.objects.exists()
        _seal(tenant_a, uuid.uuid4())
        _seal(tenant_a, uuid.uuid4())
        keys = list(TenantKey.objects.values_list("purpose", "version", "active", "kek_id", "kek_version"))
    assert keys == [("data", 1, True, "local", 1)]
    with in_tenant(tenant_b):
        assert not TenantKey.objects.exists()


def test_copy_to_another_row_fails(tenant_a, in_tenant):
    with in_tenant(tenant_a):
        blob = _seal(tenant_a, uuid.uuid4())
        with pytest.raises(DecryptionError, match="belongs to another row or business, or it was altered"):
            _open(tenant_a, uuid.uuid4(), blob)


def test_copy_to_another_label_fails(tenant_a, in_tenant):
    row = uuid.uuid4()
    with in_tenant(tenant_a):
        blob = _seal(tenant_a, row)
        with pytest.raises(DecryptionError):
            _open(tenant_a, row, blob, label="test.other_field")


def test_copy_to_another_tenant_fails_even_with_the_same_row_id(tenant_a, tenant_b, in_tenant):
    row = uuid.uuid4()
    with in_tenant(tenant_a):
        blob = _seal(tenant_a, row)
    with in_tenant(tenant_b):
        with pytest.raises(DecryptionError, match="no data key"):
            _open(tenant_b, row, blob)
        _seal(tenant_b, uuid.uuid4())  # B now has its own version-1 key: still no
        with pytest.raises(DecryptionError, match="another row or business"):
            _open(tenant_b, row, blob)


@pytest.mark.parametrize("position", [0, 1, 4, 5, 16, 17, -1])
def test_any_altered_byte_fails(tenant_a, in_tenant, position):
    row = uuid.uuid4()
    with in_tenant(tenant_a):
        blob = bytearray(_seal(tenant_a, row))
        blob[position] ^= 0x01
        with pytest.raises(DecryptionError):
            _open(tenant_a, row, bytes(blob))


def test_truncated_or_foreign_bytes_are_refused(tenant_a, in_tenant):
    row = uuid.uuid4()
    with in_tenant(tenant_a):
        blob = _seal(tenant_a, row)
        for bad in (blob[:20], b"", b"plain text that is long enough to pass a length check"):
            with pytest.raises(DecryptionError, match="not an encrypted value"):
                _open(tenant_a, row, bad)


def test_keys_are_used_only_inside_their_tenant_context(tenant_a, tenant_b, in_tenant):
    row = uuid.uuid4()
    with in_tenant(tenant_a):
        blob = _seal(tenant_a, row)
    with pytest.raises(TenantContextError):
        _open(tenant_a, row, blob)
    with in_tenant(tenant_b), pytest.raises(TenantContextError):
        _open(tenant_a, row, blob)


@pytest.mark.parametrize("label", ["", "Has Caps", "a|v1|t=x", "x" * 101])
def test_labels_are_plain_stable_names(tenant_a, in_tenant, label):
    with in_tenant(tenant_a), pytest.raises(ValueError, match="label"):
        _seal(tenant_a, uuid.uuid4(), label=label)


def test_plain_text_is_refused_as_plaintext_argument(tenant_a, in_tenant):
    with in_tenant(tenant_a), pytest.raises(TypeError, match="takes bytes"):
        encrypt(tenant_id=tenant_a.pk, label=LABEL, row_id=uuid.uuid4(), plaintext="text")
