"""Encryption of a document's file and the blind index of its invoice identity (decision 0024).

The stored file is one envelope value (:mod:`apps.security_center.crypto.envelope`:
``0x01 | u32 dek_version | nonce | ciphertext+tag``) under the tenant's data key,
with the label ``documents.file`` and the blob's storage name as the row id in
the associated data: a file copied to another name or another tenant's prefix
does not open. No accepted upload type (PDF, PNG, JPEG, TIFF) starts with the
byte 0x01, so a plain file from before encryption is told apart by its first
byte; the row's ``file_key_version`` says which one to expect.
"""

from __future__ import annotations

import uuid
from typing import Any

from apps.documents.errors import StoredFileUnreadable
from apps.security_center.crypto import envelope
from apps.security_center.crypto.blind_index import blind_index, normalize

FILE_LABEL = "documents.file"
DUPLICATE_LABEL = "documents.duplicate"


def is_sealed_file(data: bytes) -> bool:
    return envelope.looks_sealed(data)


def seal_file(tenant_id: uuid.UUID, name: str, content: bytes) -> tuple[bytes, int]:
    """(sealed bytes, data-key version) of a file stored at ``name``; inside the tenant's scope."""
    blob = envelope.encrypt(tenant_id=tenant_id, label=FILE_LABEL, row_id=name, plaintext=content)
    return blob, envelope.dek_version_of(blob)


def open_file(tenant_id: uuid.UUID, name: str, data: bytes, *, expect_sealed: bool) -> bytes:
    """The original bytes of a stored file. A plain file passes only when the row does not say it is sealed.

    Raises StoredFileUnreadable (plain but expected sealed), DecryptionError (another tenant's or
    name's file, altered) or KeyDestroyed (crypto-shredded).
    """
    if is_sealed_file(data):
        return envelope.decrypt(tenant_id=tenant_id, label=FILE_LABEL, row_id=name, blob=data)
    if expect_sealed:
        raise StoredFileUnreadable(extra={"name": name, "why": "plain where the row records an encrypted file"})
    return data


def _field_value(extraction: Any, name: str) -> str:
    value = ((extraction or {}).get(name) or {}).get("value") if isinstance(extraction, dict) else None
    return value if isinstance(value, str) else ""


def duplicate_values(extraction: Any) -> tuple[str, str] | None:
    """(supplier VAT number, document number) as extracted, or None when either is missing."""
    vat_number = _field_value(extraction, "supplier_vat_number")
    number = _field_value(extraction, "document_number")
    return (vat_number, number) if vat_number and number else None


def duplicate_index_of(tenant_id: uuid.UUID, extraction: Any) -> bytes | None:
    """Blind index of the pair (one HMAC: equal suppliers alone are not revealed); None when not indexable.

    Needs the tenant's context (the index key). Normalised like every blind
    index, so it may match more than the exact pair: callers confirm by value.
    """
    pair = duplicate_values(extraction)
    if pair is None:
        return None
    parts = [normalize(part) for part in pair]
    if not all(parts):
        return None
    return blind_index(tenant_id, "".join(f"{len(p)}{p}" for p in parts), label=DUPLICATE_LABEL)
