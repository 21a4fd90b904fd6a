"""Tenant data keys: created lazily, unwrapped through the KEK, cached briefly in this process.

Why a cache: every KMS unwrap is a network call; a whole
encrypt/rotate/re-wrap/shred cycle needs only a handful. Why a short TTL
(``FIELD_ENCRYPTION_KEY_CACHE_SECONDS``, 300 s): another process's rotation or
shredding reaches this one within that time at the latest.

A key created inside a transaction is cached only once that transaction
commits: were it rolled back, a cached key with no row behind it would encrypt
data nobody could read again.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction

from apps.security_center.crypto.errors import DecryptionError, KekError, KeyDestroyed
from apps.security_center.crypto.kek import KEY_BYTES, get_kek_provider
from apps.tenancy.context import current_tenant_id, tenant_context
from apps.tenancy.errors import TenantContextError

DATA = "data"
INDEX = "index"
DESTROYED_MESSAGE = (
    "The encryption keys of this business were destroyed (crypto-shredded), so this value can no longer be read."
)

_lock = threading.Lock()
_keys: dict[tuple[str, str, int], tuple[float, bytes]] = {}
_active: dict[tuple[str, str], tuple[float, int]] = {}
# TenantKey ids written by this process in transactions that have not committed yet.
_uncommitted: set[uuid.UUID] = set()
_clock: Callable[[], float] = time.monotonic


def _ttl() -> float:
    return float(settings.FIELD_ENCRYPTION_KEY_CACHE_SECONDS)


def clear_key_cache(tenant_id: object | None = None) -> None:
    """Forget unwrapped keys: all of them, or one tenant's."""
    with _lock:
        if tenant_id is None:
            _keys.clear()
            _active.clear()
            return
        t = str(tenant_id)
        for key in [k for k in _keys if k[0] == t]:
            del _keys[key]
        for key in [k for k in _active if k[0] == t]:
            del _active[key]


def context_for(tenant_id: str, purpose: str, version: int) -> dict[str, str]:
    """The KEK encryption context of one data key (AWS EncryptionContext / Vault derived context / local AAD)."""
    return {"tenant_id": tenant_id, "purpose": purpose, "dek_version": str(version)}


def tenant_str(tenant_id: object) -> str:
    value = getattr(tenant_id, "pk", tenant_id)
    try:
        return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))
    except ValueError as exc:
        raise DecryptionError(f"{tenant_id!r} is not a tenant id") from exc


def _require_context(tenant: str) -> None:
    active = current_tenant_id()
    if active is None or str(active) != tenant:
        raise TenantContextError(f"keys of tenant {tenant} used outside that tenant's context")


def _cached_key(tenant: str, purpose: str, version: int) -> bytes | None:
    with _lock:
        hit = _keys.get((tenant, purpose, version))
        if hit and hit[0] > _clock():
            return hit[1]
    return None


def _remember(row, dek: bytes, *, as_active: bool) -> None:
    """Cache now if the row is committed, else when (if) its transaction commits."""
    tenant, purpose, version = str(row.tenant_id), row.purpose, row.version

    def store() -> None:
        expires = _clock() + _ttl()
        with _lock:
            _uncommitted.discard(row.pk)
            _keys[(tenant, purpose, version)] = (expires, dek)
            if as_active:
                _active[(tenant, purpose)] = (expires, version)

    with _lock:
        pending = row.pk in _uncommitted
    if pending:
        transaction.on_commit(store)
    else:
        store()


def mark_uncommitted(row) -> None:
    """Services call this for every key row they write, so it is not cached before commit."""
    with _lock:
        _uncommitted.add(row.pk)
    transaction.on_commit(lambda: _discard_uncommitted(row.pk))


def _discard_uncommitted(pk: uuid.UUID) -> None:
    with _lock:
        _uncommitted.discard(pk)


def _unwrap(row) -> bytes:
    if row.wrapped_dek is None:
        raise KeyDestroyed(DESTROYED_MESSAGE)
    context = context_for(str(row.tenant_id), row.purpose, row.version)
    return get_kek_provider().unwrap(bytes(row.wrapped_dek), row.kek_version, context)


def _unwrap_current(row):
    """Unwrap ``row``; if the KEK refuses its blob, read the row again once and retry when it was re-wrapped.

    Why: a KEK rotation re-wraps rows and then retires the old KEK version. A reader that
    loaded a row just before its re-wrap committed would otherwise fail once after the retirement.
    """
    try:
        return row, _unwrap(row)
    except KekError:
        fresh = type(row).objects.filter(pk=row.pk).first()
        if fresh is None or (fresh.kek_id, fresh.kek_version, fresh.wrapped_dek) == (
            row.kek_id,
            row.kek_version,
            row.wrapped_dek,
        ):
            raise
        return fresh, _unwrap(fresh)


def key_for_version(tenant_id: object, version: int, purpose: str = DATA) -> bytes:
    """The unwrapped key of one version (for decryption). Raises KeyDestroyed / DecryptionError."""
    from apps.security_center.models import TenantKey

    tenant = tenant_str(tenant_id)
    _require_context(tenant)
    cached = _cached_key(tenant, purpose, version)
    if cached is not None:
        return cached
    with tenant_context(tenant):
        row = TenantKey.objects.filter(tenant_id=tenant, purpose=purpose, version=version).first()
        if row is None:
            if TenantKey.objects.filter(tenant_id=tenant, purpose=purpose, wrapped_dek__isnull=True).exists():
                raise KeyDestroyed(DESTROYED_MESSAGE)
            raise DecryptionError(f"this business has no {purpose} key version {version}")
        row, dek = _unwrap_current(row)
    _remember(row, dek, as_active=False)
    return dek


def active_key(tenant_id: object, purpose: str = DATA) -> tuple[int, bytes]:
    """(version, key) that new values use; creates version 1 on a tenant's first use. Race-safe."""
    tenant = tenant_str(tenant_id)
    _require_context(tenant)
    with _lock:
        hit = _active.get((tenant, purpose))
        version = hit[1] if hit and hit[0] > _clock() else None
    if version is not None:
        cached = _cached_key(tenant, purpose, version)
        if cached is not None:
            return version, cached
    row, dek = _load_or_create_active(tenant, purpose)
    _remember(row, dek, as_active=True)
    return row.version, dek


def _load_or_create_active(tenant: str, purpose: str):
    from apps.security_center.models import TenantKey

    for _attempt in range(3):
        with tenant_context(tenant):
            row = TenantKey.objects.filter(tenant_id=tenant, purpose=purpose, active=True).first()
            if row is not None:
                cached = _cached_key(tenant, purpose, row.version)
                return (row, cached) if cached is not None else _unwrap_current(row)
            if TenantKey.objects.filter(tenant_id=tenant, purpose=purpose).exists():
                # Keys existed and none is active: they were shredded. Never start a fresh key silently.
                raise KeyDestroyed(DESTROYED_MESSAGE)
            dek = os.urandom(KEY_BYTES)
            wrapped = get_kek_provider().wrap(dek, context_for(tenant, purpose, 1))
            row = TenantKey(
                tenant_id=uuid.UUID(tenant),
                purpose=purpose,
                version=1,
                wrapped_dek=wrapped.blob,
                kek_id=wrapped.kek_id,
                kek_version=wrapped.kek_version,
                active=True,
            )
            try:
                with transaction.atomic():
                    row.save(force_insert=True)
            except IntegrityError:
                continue  # another process created it first: read theirs
            mark_uncommitted(row)
            return row, dek
    raise DecryptionError(f"could not create or load the {purpose} key of business {tenant}")
