"""Read-only views of a tenant's keys for the security center (versions and dates, never key bytes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from apps.security_center.models import TenantKey
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Tenant


@dataclass(frozen=True)
class KeyStatus:
    purpose: str
    version: int
    active: bool
    destroyed: bool
    kek_id: str
    kek_version: int
    created_at: datetime
    rewrapped_at: datetime | None
    destroyed_at: datetime | None


def key_status(tenant: Tenant) -> list[KeyStatus]:
    """Every key version of the tenant, oldest first (read inside its context: the table is under RLS)."""
    with tenant_context(tenant):
        rows = list(TenantKey.objects.filter(tenant=tenant).order_by("purpose", "version"))
    return [
        KeyStatus(
            purpose=k.purpose,
            version=k.version,
            active=k.active,
            destroyed=k.wrapped_dek is None,
            kek_id=k.kek_id,
            kek_version=k.kek_version,
            created_at=k.created_at,
            rewrapped_at=k.rewrapped_at,
            destroyed_at=k.destroyed_at,
        )
        for k in rows
    ]


def is_shredded(tenant: Tenant) -> bool:
    """True once the tenant's keys were destroyed: its encrypted values can no longer be read."""
    with tenant_context(tenant):
        keys = TenantKey.objects.filter(tenant=tenant)
        return keys.exists() and not keys.filter(wrapped_dek__isnull=False).exists()
