"""How much of the data is actually encrypted: the ``encryption.fields`` and ``encryption.files`` checks.

Fields are found by introspection (every ``EncryptedTextField`` of an
installed model), files through the BlobStore registry (:mod:`.reencryption`),
so this module imports no app above the security center. Figures come from
SQL on the 5-byte header (format byte, key version): nothing is decrypted.
A value is *plain* when it does not start with the format byte (written
around the field, by raw SQL or a restore from before encryption) and
*stale* when it is sealed under an older data-key version than the tenant's
active one (the rotation sweep has not reached it yet).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.apps import apps
from django.db import models
from django.db.models.functions import Substr

from apps.security_center.checks import Check, CheckResult, Scope, Status, register
from apps.security_center.crypto import envelope
from apps.security_center.crypto.fields import EncryptedTextField
from apps.security_center.crypto.reencryption import blob_stores
from apps.security_center.models import TenantKey
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Tenant

CONTROLS = ("SOC 2 CC6.1", "SOC 2 CC6.7", "GDPR Art. 32(1)(a)")


@dataclass
class Coverage:
    name: str  # "documents.text" (field label) or "documents.files" (blob store)
    total: int = 0
    plain: int = 0
    stale: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"total": self.total, "plain": self.plain, "stale": self.stale}


def encrypted_fields() -> list[tuple[type[models.Model], EncryptedTextField]]:
    """Every encrypted field of every installed (concrete, managed) model."""
    found = []
    for model in apps.get_models():
        if model._meta.abstract or model._meta.proxy or not model._meta.managed:
            continue
        found += [(model, f) for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
    return sorted(found, key=lambda pair: pair[1].label)


def _tenants(tenant: Tenant | None) -> list[uuid.UUID]:
    if tenant is not None:
        return [tenant.pk]
    return list(Tenant.objects.order_by("pk").values_list("pk", flat=True))


def active_data_version(tenant_id: uuid.UUID) -> int:
    """The tenant's active data-key version, 0 when it has none (never used, or shredded). Creates nothing."""
    with tenant_context(tenant_id):
        version = (
            TenantKey.objects.filter(tenant_id=tenant_id, purpose=TenantKey.Purpose.DATA, active=True)
            .values_list("version", flat=True)
            .first()
        )
    return version or 0


def field_coverage(tenant: Tenant | None = None) -> list[Coverage]:
    """Per encrypted field: non-NULL values, plain ones, and ones on an old key version (one tenant, or all)."""
    results = {field.label: Coverage(field.label) for _model, field in encrypted_fields()}
    format_byte = bytes([envelope.FORMAT_V1])
    for tenant_id in _tenants(tenant):
        current = envelope.version_header(active_data_version(tenant_id))
        with tenant_context(tenant_id):
            for model, field in encrypted_fields():
                rows = model._base_manager.filter(tenant_id=tenant_id, **{f"{field.attname}__isnull": False}).annotate(
                    _fmt=Substr(field.attname, 1, 1, output_field=models.BinaryField()),
                    _head=Substr(field.attname, 1, envelope.VERSION_HEADER_BYTES, output_field=models.BinaryField()),
                )
                coverage = results[field.label]
                coverage.total += rows.count()
                coverage.plain += rows.exclude(_fmt=format_byte).count()
                coverage.stale += rows.filter(_fmt=format_byte).exclude(_head=current).count()
    return list(results.values())


def file_coverage(tenant: Tenant | None = None) -> list[Coverage]:
    """Per registered blob store: files, plain ones, and ones on an old key version (one tenant, or all)."""
    results = []
    tenants = [tenant] if tenant is not None else list(Tenant.objects.order_by("pk"))
    for store in blob_stores():
        coverage = Coverage(store.name)
        for found in tenants:
            plain = store.count_plain(found)
            coverage.total += store.count_total(found)
            coverage.plain += plain
            coverage.stale += store.count_stale(found, active_data_version(found.pk)) - plain
        results.append(coverage)
    return results


def _result(items: list[Coverage], noun: str, remedy_plain: str, remedy_stale: str) -> CheckResult:
    total = sum(c.total for c in items)
    plain = sum(c.plain for c in items)
    stale = sum(c.stale for c in items)
    figures = {"total": total, "plain": plain, "stale": stale, "items": {c.name: c.as_dict() for c in items}}
    summary = f"{total - plain} of {total} {noun} encrypted; {stale} on an older key version"
    if plain:
        return CheckResult(Status.FAIL, f"{plain} {noun} not encrypted ({remedy_plain}); {summary}", figures)
    if stale:
        return CheckResult(Status.WARN, f"{summary} ({remedy_stale})", figures)
    return CheckResult(Status.PASS, summary, figures)


def check_fields(tenant: Tenant | None) -> CheckResult:
    items = field_coverage(tenant)
    if not items:
        return CheckResult(Status.NOT_APPLICABLE, "no encrypted fields are installed")
    return _result(
        items,
        "values",
        "written around the encrypted field",
        "run manage.py rotate_tenant_keys --reencrypt, or the rotation sweep",
    )


def check_files(tenant: Tenant | None) -> CheckResult:
    items = file_coverage(tenant)
    if not items:
        return CheckResult(Status.UNKNOWN, "no file store is registered, so stored files cannot be counted")
    return _result(items, "files", "run manage.py seal_document_files", "run the rotation sweep")


def register_checks() -> None:
    register(
        Check(
            id="encryption.fields",
            title="Encrypted fields: values sealed under the current key",
            area="encryption",
            scope=Scope.BOTH,
            compute=check_fields,
            controls=CONTROLS,
        )
    )
    register(
        Check(
            id="encryption.files",
            title="Stored files: encrypted under the current key",
            area="encryption",
            scope=Scope.BOTH,
            compute=check_files,
            controls=CONTROLS,
        )
    )
