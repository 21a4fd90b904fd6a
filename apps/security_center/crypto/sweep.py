"""The DEK re-encryption sweep: every encrypted field on every model, and every registered blob store.

After a data-key rotation, writes already seal under the new version (lazy
re-encryption on save); this sweep moves the rest, in batches, one tenant at a
time inside its context (row-level security), so no value stays on an old
version and an old version can eventually be retired or its loss tolerated.

Fields are found by introspection (:func:`encrypted_fields`: every
``EncryptedTextField`` subclass, ``EncryptedJSONField`` included, on installed
models), so models added later are swept without being named here. Stale rows
are found by the 5-byte header in SQL; nothing is decrypted to find them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import structlog
from django.apps import apps
from django.db import models
from django.db.models.functions import Substr

from apps.audit.services import record_event
from apps.observability.metrics import safely
from apps.security_center.crypto import envelope, keystore, metrics
from apps.security_center.crypto.errors import DecryptionError
from apps.security_center.crypto.fields import EncryptedTextField
from apps.security_center.crypto.reencryption import blob_stores
from apps.security_center.models import TenantKey
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Tenant

log = structlog.get_logger("strongroom.security_center.sweep")

# progress(tenant_slug, target, done_in_target): called after every batch.
Progress = Callable[[str, str, int], None]


def encrypted_fields() -> list[tuple[type[models.Model], EncryptedTextField]]:
    """(model, field) for every encrypted field on every installed concrete model, in a stable order."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or model._meta.abstract:
            continue
        for f in model._meta.concrete_fields:
            if isinstance(f, EncryptedTextField):
                found.append((model, f))
    return sorted(found, key=lambda pair: (pair[0]._meta.label, pair[1].name))


def target_name(model: type[models.Model], f: EncryptedTextField) -> str:
    return f"{model._meta.label}.{f.name}"


def stale_queryset(model: type[models.Model], f: EncryptedTextField, *, tenant_id: object, dek_version: int):
    """The tenant's rows of ``model`` whose ``f`` is sealed under another version (compares header bytes in SQL).

    Uses the base manager (no custom manager's filters or scope rules) and
    ``tenant_id``, so it works for any tenant-scoped model; run inside the tenant's context.
    """
    header = Substr(f.attname, 1, envelope.VERSION_HEADER_BYTES, output_field=models.BinaryField())
    return (
        model._base_manager.filter(tenant_id=tenant_id, **{f"{f.attname}__isnull": False})
        .annotate(sealed_header=header)
        .exclude(sealed_header=envelope.version_header(dek_version))
    )


def active_dek_version(tenant: Tenant) -> int | None:
    """The tenant's active data-key version from the key table (not the process cache); None if none or shredded."""
    with tenant_context(tenant):
        return (
            TenantKey.objects.filter(tenant=tenant, purpose=TenantKey.Purpose.DATA, active=True)
            .values_list("version", flat=True)
            .first()
        )


@dataclass
class TenantSweep:
    tenant_id: uuid.UUID
    dek_version: int | None
    rows: int = 0
    blobs: int = 0
    failures: int = 0
    stale_rows_left: int = 0
    stale_blobs_left: int = 0
    by_target: dict[str, int] = field(default_factory=dict)


def stale_counts(tenant: Tenant) -> dict[str, int]:
    """Values of the tenant still sealed under an older data key, per field (``app.Model.field``) and blob store."""
    version = active_dek_version(tenant)
    if version is None:
        return {}
    counts: dict[str, int] = {}
    with tenant_context(tenant):
        for model, f in encrypted_fields():
            counts[target_name(model, f)] = stale_queryset(model, f, tenant_id=tenant.pk, dek_version=version).count()
        for store in blob_stores():
            counts[f"blob:{store.name}"] = store.count_stale(tenant, version)
    return counts


def _sweep_field(
    tenant: Tenant, model: type[models.Model], f: EncryptedTextField, version: int, batch_size: int, report, progress
) -> None:
    name = target_name(model, f)
    after: Any = None
    while True:
        with tenant_context(tenant):
            pending = stale_queryset(model, f, tenant_id=tenant.pk, dek_version=version)
            if after is not None:
                pending = pending.filter(pk__gt=after)
            batch = list(pending.order_by("pk").values_list("pk", f.attname)[:batch_size])
            if not batch:
                return
            batch_moved = 0
            for pk, blob in batch:
                try:
                    plain = envelope.decrypt(tenant_id=tenant.pk, label=f.label, row_id=pk, blob=bytes(blob))
                except DecryptionError:
                    report.failures += 1  # logged by envelope (ids only); the sweep goes on
                    continue
                fresh = envelope.encrypt(tenant_id=tenant.pk, label=f.label, row_id=pk, plaintext=plain)
                # Compare-and-swap on the old bytes: a row rewritten meanwhile is already on the active key.
                moved = model._base_manager.filter(pk=pk, **{f.attname: bytes(blob)}).update(**{f.attname: fresh})
                batch_moved += moved
                report.rows += moved
                report.by_target[name] = report.by_target.get(name, 0) + moved
            after = batch[-1][0]
        safely(lambda n=batch_moved: metrics.REENCRYPTED.labels("field").inc(n))
        if progress:
            progress(tenant.slug, name, report.by_target.get(name, 0))


def _sweep_store(tenant: Tenant, store, version: int, batch_size: int, report, progress) -> None:
    name = f"blob:{store.name}"
    budget = store.count_stale(tenant, version)  # an upper bound on batches, so a stuck blob cannot loop forever
    while budget > 0:
        with tenant_context(tenant):
            moved = store.reencrypt_batch(tenant, batch_size)
        if moved <= 0:
            return
        budget -= moved
        report.blobs += moved
        report.by_target[name] = report.by_target.get(name, 0) + moved
        safely(lambda n=moved: metrics.REENCRYPTED.labels("blob").inc(n))
        if progress:
            progress(tenant.slug, name, report.by_target[name])


def sweep_tenant(
    tenant: Tenant, *, batch_size: int = 200, progress: Progress | None = None, actor_label: str = ""
) -> TenantSweep:
    """Re-seal every stale value of one tenant under its active data key; audited when anything moved.

    A shredded tenant, or one without keys, has nothing to sweep. The process's
    key cache for the tenant is dropped first, so a rotation made by another
    process is seen at once (the cache would otherwise hide it for up to its TTL).
    """
    keystore.clear_key_cache(tenant.pk)
    version = active_dek_version(tenant)
    report = TenantSweep(tenant_id=tenant.pk, dek_version=version)
    if version is None:
        return report
    for model, f in encrypted_fields():
        _sweep_field(tenant, model, f, version, batch_size, report, progress)
    for store in blob_stores():
        _sweep_store(tenant, store, version, batch_size, report, progress)
    left = stale_counts(tenant)
    report.stale_rows_left = sum(n for k, n in left.items() if not k.startswith("blob:"))
    report.stale_blobs_left = sum(n for k, n in left.items() if k.startswith("blob:"))
    if report.rows or report.blobs:
        with tenant_context(tenant):
            record_event(
                "security_center.tenant_key.reencrypted",
                actor_label=actor_label,
                tenant_id=tenant.pk,
                target=tenant,
                after={"dek_version": version, "rows": report.rows, "blobs": report.blobs},
                extra={"targets": report.by_target, "failures": report.failures, "stale_left": left},
            )
    log.info(
        "reencrypt_sweep_tenant",
        tenant_id=str(tenant.pk),
        dek_version=version,
        rows=report.rows,
        blobs=report.blobs,
        failures=report.failures,
    )
    return report


@dataclass
class SweepReport:
    tenants: list[TenantSweep]

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tenants)

    @property
    def blobs(self) -> int:
        return sum(t.blobs for t in self.tenants)

    @property
    def failures(self) -> int:
        return sum(t.failures for t in self.tenants)

    @property
    def stale_rows_left(self) -> int:
        return sum(t.stale_rows_left for t in self.tenants)

    @property
    def stale_blobs_left(self) -> int:
        return sum(t.stale_blobs_left for t in self.tenants)


def sweep_all(
    *, tenant: Tenant | None = None, batch_size: int = 200, progress: Progress | None = None, actor_label: str = ""
) -> SweepReport:
    """The sweep over every tenant (or one); sets the stale-rows/blobs gauges from what is left."""
    tenants = [tenant] if tenant is not None else list(Tenant.objects.order_by("slug"))
    report = SweepReport(
        [sweep_tenant(t, batch_size=batch_size, progress=progress, actor_label=actor_label) for t in tenants]
    )
    if tenant is None:
        safely(lambda: metrics.STALE.labels("field").set(report.stale_rows_left))
        safely(lambda: metrics.STALE.labels("blob").set(report.stale_blobs_left))
    return report
