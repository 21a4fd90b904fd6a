"""Blind indexes: equality search over encrypted values (docs/contracts/security.md, Blind index).

``HMAC-SHA256(tenant index key, normalize(value))[:16]``. The index key is a
separate per-tenant key (purpose ``index``), so equal values in two tenants
give different indexes and the data key never doubles as a MAC key. Truncation
limits what the index leaks; a collision is harmless because the caller
decrypts to confirm. Equality only: no prefixes, no ranges.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata

from apps.security_center.crypto import keystore

INDEX_BYTES = 16


def normalize(value: str) -> str:
    """NFKC, casefold, and drop separators (spaces, punctuation, control characters)."""
    folded = unicodedata.normalize("NFKC", value).casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] not in {"Z", "P", "C"} and not ch.isspace())


def blind_index(tenant_id: object, value: str, *, label: str = "") -> bytes:
    """16-byte index of ``value`` for one tenant. ``label`` separates fields that must not match each other.

    Raises ValueError for a value that is empty after normalizing (it would match every other empty value).
    """
    if not isinstance(value, str):
        raise TypeError("blind_index() takes text")
    normalized = normalize(value)
    if not normalized:
        raise ValueError("nothing to index: the value is empty once spaces and punctuation are removed")
    _version, key = keystore.active_key(tenant_id, keystore.INDEX)
    message = (f"{label}\x00" if label else "").encode() + normalized.encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).digest()[:INDEX_BYTES]
