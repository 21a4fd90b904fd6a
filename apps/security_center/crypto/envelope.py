"""Sealing field values: ``0x01 | u32 dek_version | 12-byte nonce | ciphertext+16-byte tag``.

The associated data ``"<label>|v1|t=<tenant>|pk=<row>"`` binds a value to where
it lives: the same bytes copied to another row, another tenant or another field
do not open. ``label`` is a stable name chosen in code (``"hmrc.refresh_token"``),
not the table or column, so renames keep data readable.
"""

from __future__ import annotations

import os
import re
import struct
import uuid
from collections.abc import Callable

import structlog
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from apps.security_center.crypto import keystore
from apps.security_center.crypto.errors import DecryptionError, KeyDestroyed
from apps.security_center.crypto.keystore import clear_key_cache

__all__ = ["DecryptionError", "KeyDestroyed", "clear_key_cache", "decrypt", "encrypt", "sealer"]

FORMAT_V1 = 0x01
_HEADER = struct.Struct(">BI")
NONCE_BYTES = 12
TAG_BYTES = 16
VERSION_HEADER_BYTES = _HEADER.size
HEADER_BYTES = _HEADER.size + NONCE_BYTES
MIN_BLOB_BYTES = HEADER_BYTES + TAG_BYTES
log = structlog.get_logger("strongroom.security_center.crypto")
_LABEL = re.compile(r"^[a-z0-9_.\-]{1,100}$")


def _row_str(row_id: object) -> str:
    if isinstance(row_id, uuid.UUID):
        return str(row_id)
    text = str(row_id)
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return text


def associated_data(*, tenant_id: object, label: str, row_id: object) -> bytes:
    if not isinstance(label, str) or not _LABEL.match(label):
        raise ValueError(f"encryption label {label!r} must be lower-case letters, digits, '.', '_' or '-'")
    if row_id is None or row_id == "":
        raise ValueError("a row id is needed before encrypting (use client-generated UUID primary keys)")
    return f"{label}|v1|t={keystore.tenant_str(tenant_id)}|pk={_row_str(row_id)}".encode()


def looks_sealed(blob: object) -> bool:
    """Shape check only (format byte and length): what may be written to an encrypted column."""
    return isinstance(blob, bytes | bytearray | memoryview) and len(blob) >= MIN_BLOB_BYTES and blob[0] == FORMAT_V1


def dek_version_of(blob: bytes) -> int:
    """The data-key version in a sealed value's header (for rotation sweeps)."""
    if not looks_sealed(blob):
        raise DecryptionError("this is not an encrypted value (unknown format or too short)")
    return _HEADER.unpack_from(bytes(blob[: _HEADER.size]))[1]


def version_header(dek_version: int) -> bytes:
    """The first bytes of every value sealed under ``dek_version`` (what a sweep query compares)."""
    return _HEADER.pack(FORMAT_V1, dek_version)


def encrypt(*, tenant_id: object, label: str, row_id: object, plaintext: bytes) -> bytes:
    """Seal ``plaintext`` for one tenant's row under the tenant's active data key (created on first use)."""
    if not isinstance(plaintext, bytes | bytearray):
        raise TypeError("encrypt() takes bytes; encode text first")
    aad = associated_data(tenant_id=tenant_id, label=label, row_id=row_id)
    version, dek = keystore.active_key(tenant_id)
    nonce = os.urandom(NONCE_BYTES)
    return _HEADER.pack(FORMAT_V1, version) + nonce + AESGCM(dek).encrypt(nonce, bytes(plaintext), aad)


def sealer(tenant_id: object) -> Callable[[str, object, bytes], bytes]:
    """``encrypt`` for many values of one tenant: ``seal(label, row_id, plaintext)``.

    Why: a bulk writer (the scale seed) seals hundreds of thousands of values; resolving the active key and
    building the cipher once per tenant instead of once per value is most of the cost. Each value still gets
    its own nonce and its own row's associated data: the bytes are exactly what ``encrypt`` would write.
    """
    version, dek = keystore.active_key(tenant_id)
    header, aead = _HEADER.pack(FORMAT_V1, version), AESGCM(dek)

    def seal(label: str, row_id: object, plaintext: bytes) -> bytes:
        aad = associated_data(tenant_id=tenant_id, label=label, row_id=row_id)
        nonce = os.urandom(NONCE_BYTES)
        return header + nonce + aead.encrypt(nonce, bytes(plaintext), aad)

    return seal


def decrypt(*, tenant_id: object, label: str, row_id: object, blob: bytes) -> bytes:
    """Open a sealed value. Raises DecryptionError (wrong tenant/row/label, altered) or KeyDestroyed."""
    aad = associated_data(tenant_id=tenant_id, label=label, row_id=row_id)
    version = dek_version_of(blob)
    dek = keystore.key_for_version(tenant_id, version)
    blob = bytes(blob)
    try:
        return AESGCM(dek).decrypt(blob[_HEADER.size : HEADER_BYTES], blob[HEADER_BYTES:], aad)
    except InvalidTag as exc:
        # A security signal (row swap, tampering, wrong tenant): ids only, never bytes.
        log.warning("field_decryption_failed", label=label, tenant_id=str(tenant_id), row_id=_row_str(row_id))
        raise DecryptionError(
            f"the encrypted {label} of row {_row_str(row_id)} does not open: it belongs to another row or "
            "business, or it was altered"
        ) from exc
