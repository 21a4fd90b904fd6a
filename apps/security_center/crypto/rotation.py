"""KEK rotation without downtime: rotate in the key service, re-wrap every data key, then retire the old version.

Order matters (decision 0023): readers keep unwrapping old-version blobs until
the re-wrap commits, so the old version may only stop decrypting once no row
needs it. :func:`rotate_kek` counts the rows still behind after the re-wrap and
retires (Vault ``min_decryption_version``, KMS disable, local: says what to remove)
only at zero. The data keys themselves do not change, so neither does any
encrypted value, nor any process's key cache.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import structlog

from apps.audit.services import record_event
from apps.observability.metrics import safely
from apps.security_center.crypto import metrics
from apps.security_center.crypto.kek import KekProvider, get_kek_provider
from apps.security_center.crypto.services import rewrap_tenant_deks
from apps.security_center.models import TenantKey
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Tenant

log = structlog.get_logger("strongroom.security_center.rotation")

# progress(done_tenants, total_tenants, keys_rewrapped_so_far)
Progress = Callable[[int, int, int], None]


@dataclass(frozen=True)
class KekRotationReport:
    kek_id: str
    from_version: int
    to_version: int
    tenants: int
    keys_rewrapped: int
    keys_behind: int
    retired: str


def provider_name(provider: KekProvider) -> str:
    """A short label for metrics and the audit log: the provider class, never a key id with an account in it."""
    return {
        "LocalKekProvider": "local",
        "VaultTransitKekProvider": "vault-transit",
        "AwsKmsKekProvider": "aws-kms",
    }.get(type(provider).__name__, "custom")


def keys_behind(provider: KekProvider | None = None, tenants: list[Tenant] | None = None) -> dict[str, int]:
    """Per tenant id: its live data keys not wrapped under the provider's current KEK (id and version)."""
    provider = provider or get_kek_provider()
    current = (provider.key_id, provider.current_version)
    behind: dict[str, int] = {}
    for tenant in Tenant.objects.order_by("pk") if tenants is None else tenants:
        with tenant_context(tenant):
            rows = TenantKey.objects.filter(tenant=tenant, wrapped_dek__isnull=False).values_list(
                "kek_id", "kek_version"
            )
            count = sum(1 for row in rows if tuple(row) != current)
        if count:
            behind[str(tenant.pk)] = count
    return behind


def rotate_kek(
    *, rotate: bool = True, retire: bool = True, progress: Progress | None = None, actor_label: str = ""
) -> KekRotationReport:
    """Rotate the KEK (unless ``rotate=False``: re-wrap onto an already-configured new version), re-wrap, retire.

    Re-wrapping is server-side for Transit and KMS. Each tenant's keys move in
    one transaction inside its context (row-level security), audited per key;
    the rotation itself is audited on the platform chain and counted.
    """
    provider = get_kek_provider()
    before = provider.current_version
    after = provider.rotate() if rotate else before
    tenants = list(Tenant.objects.order_by("pk"))
    moved_total = 0
    for done, tenant in enumerate(tenants, start=1):
        moved = rewrap_tenant_deks(tenant, actor_label=actor_label)
        moved_total += moved
        if progress:
            progress(done, len(tenants), moved_total)
    safely(lambda: metrics.KEK_REWRAPPED.inc(moved_total))
    left = sum(keys_behind(provider).values())
    safely(lambda: metrics.KEYS_BEHIND_KEK.set(left))
    retired = provider.retire_below(after) if retire and left == 0 else ""
    name = provider_name(provider)
    record_event(
        "security_center.kek.rotated",
        actor_label=actor_label,
        target_type="security_center.kek",
        target_id=name,
        before={"kek_version": before},
        after={"kek_version": after, "keys_rewrapped": moved_total, "keys_behind": left},
        extra={"provider": name, "rotated_in_kms": rotate},
    )
    if retired:
        record_event(
            "security_center.kek.retired",
            actor_label=actor_label,
            target_type="security_center.kek",
            target_id=name,
            after={"kek_version": after},
            extra={"provider": name, "what": retired},
        )
    safely(lambda: metrics.KEK_ROTATIONS.labels(name).inc())
    log.info("kek_rotated", provider=name, from_version=before, to_version=after, rewrapped=moved_total, behind=left)
    return KekRotationReport(
        kek_id=provider.key_id,
        from_version=before,
        to_version=after,
        tenants=len(tenants),
        keys_rewrapped=moved_total,
        keys_behind=left,
        retired=retired,
    )
