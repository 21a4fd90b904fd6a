"""Key lifecycle: DEK rotation, re-encryption sweeps, KEK re-wrap, crypto-shredding (docs/contracts/security.md).

Each service owns its transaction (inside the tenant's context, so row-level
security applies to the key table) and writes an audit event carrying ids
and version numbers only, never key material.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from apps.audit.privileged import privileged
from apps.audit.services import record_event
from apps.observability.metrics import safely
from apps.security_center.crypto import envelope, keystore, metrics
from apps.security_center.crypto.errors import KeyDestroyed
from apps.security_center.crypto.fields import EncryptedTextField
from apps.security_center.crypto.kek import KEY_BYTES, get_kek_provider
from apps.security_center.crypto.sweep import stale_queryset
from apps.security_center.models import TenantKey
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Tenant


def _clear_after_commit(tenant_id: uuid.UUID) -> None:
    keystore.clear_key_cache(tenant_id)
    transaction.on_commit(lambda: keystore.clear_key_cache(tenant_id))


def _lock_tenant(tenant: Tenant) -> None:
    """Serialise key changes per tenant (two rotations would both pick version N+1)."""
    Tenant.objects.select_for_update().filter(pk=tenant.pk).first()


@privileged("security_center.tenant_key.")
def rotate_tenant_dek(tenant: Tenant, actor: Any = None, *, actor_label: str = "") -> TenantKey:
    """Add data-key version N+1 and make it the one new values use; older versions keep decrypting.

    Raises KeyDestroyed for a shredded tenant (a fresh key would hide that its data is gone).
    """
    purpose = TenantKey.Purpose.DATA
    with tenant_context(tenant):
        _lock_tenant(tenant)
        keys = list(TenantKey.objects.select_for_update().filter(tenant=tenant, purpose=purpose).order_by("version"))
        if keys and all(k.wrapped_dek is None for k in keys):
            raise KeyDestroyed(keystore.DESTROYED_MESSAGE)
        previous = next((k for k in keys if k.active), None)
        version = keys[-1].version + 1 if keys else 1
        if previous is not None:
            previous.active = False
            previous.save(update_fields=["active"])
        wrapped = get_kek_provider().wrap(os.urandom(KEY_BYTES), keystore.context_for(str(tenant.pk), purpose, version))
        key = TenantKey.objects.create(
            tenant=tenant,
            purpose=purpose,
            version=version,
            wrapped_dek=wrapped.blob,
            kek_id=wrapped.kek_id,
            kek_version=wrapped.kek_version,
            active=True,
        )
        keystore.mark_uncommitted(key)
        _clear_after_commit(tenant.pk)
        record_event(
            "security_center.tenant_key.rotated",
            actor=actor,
            actor_label=actor_label,
            tenant_id=tenant.pk,
            target=key,
            before={"dek_version": previous.version if previous else None},
            after={"dek_version": version, "kek_id": wrapped.kek_id, "kek_version": wrapped.kek_version},
        )
    safely(metrics.DEK_ROTATIONS.inc)
    return key


def _encrypted_field(model: type[models.Model], field_name: str) -> EncryptedTextField:
    field = model._meta.get_field(field_name)
    if not isinstance(field, EncryptedTextField):
        raise ValueError(f"{model._meta.label}.{field_name} is not an encrypted field")
    return field


def stale_rows(model: type[models.Model], field_name: str, *, tenant: Tenant) -> list[tuple[uuid.UUID, bytes]]:
    """(pk, ciphertext) of the tenant's rows whose value is sealed under an older data-key version.

    Must run inside the tenant's context. The database compares the 5-byte
    header (format, key version), as the sweep query in docs/contracts/security.md does, so current
    rows never leave it; nothing is decrypted here. Works for any encrypted field (JSON included) on any
    tenant-scoped model (base manager, ``tenant_id``); the batched sweep is :mod:`.sweep`.
    """
    field = _encrypted_field(model, field_name)
    version, _dek = keystore.active_key(tenant.pk)
    rows = stale_queryset(model, field, tenant_id=tenant.pk, dek_version=version).values_list("pk", field.attname)
    return [(pk, bytes(blob)) for pk, blob in rows.iterator(chunk_size=500)]


def reencrypt_rows(model: type[models.Model], field_name: str, *, tenant: Tenant, batch_size: int = 200) -> int:
    """Re-seal one field of a tenant's rows under the active data key (the sweep after a rotation).

    Writes with compare-and-swap on the old ciphertext, so a row rewritten
    meanwhile is left alone (it was sealed with the active key anyway), and
    with ``update()``, so no save signals or ``auto_now`` fire. Returns rows changed.
    """
    field = _encrypted_field(model, field_name)
    changed = 0
    with tenant_context(tenant):
        pending = stale_rows(model, field_name, tenant=tenant)
    for start in range(0, len(pending), batch_size):
        with tenant_context(tenant):
            for pk, blob in pending[start : start + batch_size]:
                plain = envelope.decrypt(tenant_id=tenant.pk, label=field.label, row_id=pk, blob=blob)
                fresh = envelope.encrypt(tenant_id=tenant.pk, label=field.label, row_id=pk, plaintext=plain)
                changed += model._base_manager.filter(pk=pk, **{field.attname: blob}).update(**{field.attname: fresh})
    return changed


@dataclass(frozen=True)
class RewrapReport:
    tenants: int
    keys: int


def rewrap_tenant_deks(tenant: Tenant, actor: Any = None, *, actor_label: str = "") -> int:
    """Re-wrap one tenant's live keys under the current KEK version; returns how many moved."""
    provider = get_kek_provider()
    with tenant_context(tenant):
        stale = [
            k
            for k in TenantKey.objects.select_for_update().filter(tenant=tenant, wrapped_dek__isnull=False)
            if (k.kek_id, k.kek_version) != (provider.key_id, provider.current_version)
        ]
        for key in stale:
            before = key.kek_version
            wrapped = provider.rewrap(
                bytes(key.wrapped_dek), key.kek_version, keystore.context_for(str(tenant.pk), key.purpose, key.version)
            )
            key.wrapped_dek, key.kek_id, key.kek_version = wrapped.blob, wrapped.kek_id, wrapped.kek_version
            key.rewrapped_at = timezone.now()
            key.save(update_fields=["wrapped_dek", "kek_id", "kek_version", "rewrapped_at"])
            record_event(
                "security_center.tenant_key.rewrapped",
                actor=actor,
                actor_label=actor_label,
                tenant_id=tenant.pk,
                target=key,
                before={"kek_version": before},
                after={"kek_id": wrapped.kek_id, "kek_version": wrapped.kek_version, "dek_version": key.version},
                extra={"purpose": key.purpose},
            )
    return len(stale)


def rewrap_all_deks(actor: Any = None, *, actor_label: str = "") -> RewrapReport:
    """After a KEK version bump: re-wrap every tenant's keys, one tenant per transaction.

    Once this reports zero keys, the old KEK version can be retired
    (removed from FIELD_ENCRYPTION_KEKS; Vault: raise min_decryption_version).
    """
    tenants = keys = 0
    for tenant in Tenant.objects.order_by("pk"):
        moved = rewrap_tenant_deks(tenant, actor, actor_label=actor_label)
        tenants += 1 if moved else 0
        keys += moved
    return RewrapReport(tenants=tenants, keys=keys)


@privileged("security_center.tenant_key.")
def shred_tenant_keys(tenant: Tenant, actor: Any = None, *, actor_label: str = "", reason: str = "") -> int:
    """Crypto-shred: destroy every wrapped key of the tenant; its encrypted values become unreadable.

    Irreversible once the key table's backups age out. Other processes drop
    their cached keys within FIELD_ENCRYPTION_KEY_CACHE_SECONDS. Returns keys destroyed.
    """
    with tenant_context(tenant):
        _lock_tenant(tenant)
        live = list(TenantKey.objects.select_for_update().filter(tenant=tenant, wrapped_dek__isnull=False))
        now = timezone.now()
        destroyed = TenantKey.objects.filter(pk__in=[k.pk for k in live]).update(
            wrapped_dek=None, active=False, destroyed_at=now
        )
        # A purpose that never had a key gets a destroyed tombstone, so none is ever created lazily later.
        seen = set(TenantKey.objects.filter(tenant=tenant).values_list("purpose", flat=True))
        for purpose in sorted(set(TenantKey.Purpose.values) - seen):
            TenantKey.objects.create(
                tenant=tenant,
                purpose=purpose,
                version=1,
                wrapped_dek=None,
                kek_id="",
                kek_version=0,
                active=False,
                destroyed_at=now,
            )
        _clear_after_commit(tenant.pk)
        record_event(
            "security_center.tenant_key.shredded",
            actor=actor,
            actor_label=actor_label,
            tenant_id=tenant.pk,
            target=tenant,
            after={"destroyed": [{"purpose": k.purpose, "dek_version": k.version} for k in live]},
            extra={"reason": reason} if reason else None,
        )
    return destroyed
