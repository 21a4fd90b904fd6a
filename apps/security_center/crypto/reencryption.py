"""Things besides encrypted model fields that hold ciphertext under a tenant's data key (DEK).

Encrypted model fields are found by introspection (every ``EncryptedTextField``
on an installed model). Anything else sealed with a tenant DEK, such as the
uploaded document files, registers a :class:`BlobStore` here (from its app's
``AppConfig.ready``) so that DEK rotation sweeps, coverage figures and
erasure reach it without the crypto layer importing upward.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from apps.tenancy.models import Tenant


@dataclass(frozen=True)
class BlobStore:
    name: str  # "documents.files"
    # How many of the tenant's blobs are not sealed under ``dek_version`` (plain ones included).
    count_stale: Callable[[Tenant, int], int]
    # Re-seal up to ``limit`` stale blobs under the tenant's active DEK; returns how many it re-sealed.
    reencrypt_batch: Callable[[Tenant, int], int]
    # How many of the tenant's blobs exist at all, and how many are still plain (never sealed).
    count_total: Callable[[Tenant], int]
    count_plain: Callable[[Tenant], int]


_stores: dict[str, BlobStore] = {}


def register_blob_store(store: BlobStore) -> BlobStore:
    _stores[store.name] = store
    return store


def blob_stores() -> list[BlobStore]:
    return [_stores[name] for name in sorted(_stores)]
