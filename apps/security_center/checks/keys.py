"""Live checks ``encryption.keys`` and ``encryption.rotation`` (decision 0023), registered from the AppConfig.

``encryption.keys``: which KEK wraps the data keys (provider, key, version),
each business's active data-key version, and how many keys are still wrapped
under an older KEK version. ``encryption.rotation``: when the KEK and the data
keys were last rotated, against the policy maxima in settings. Figures are
versions, counts and dates only, never key material.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.utils import timezone

from apps.audit.models import PLATFORM_CHAIN
from apps.audit.selectors import EventFilter, search_events
from apps.security_center.checks import Check, CheckResult, Scope, Status, register
from apps.security_center.crypto.errors import CryptoError
from apps.security_center.crypto.kek import get_kek_provider
from apps.security_center.crypto.rotation import keys_behind, provider_name
from apps.security_center.models import TenantKey
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Tenant

KEYS_EVIDENCE = "docs/runbooks/key-rotation.md"
DATA = TenantKey.Purpose.DATA


def _active_dek(tenant: Tenant) -> TenantKey | None:
    with tenant_context(tenant):
        return TenantKey.objects.filter(tenant=tenant, purpose=DATA, active=True).first()


def _tenants(tenant: Tenant | None) -> list[Tenant]:
    return [tenant] if tenant is not None else list(Tenant.objects.order_by("slug"))


def compute_keys(tenant: Tenant | None) -> CheckResult:
    """KEK provider and version; active DEK versions; keys behind the current KEK (platform, or one business)."""
    try:
        provider = get_kek_provider()
        kek_version = provider.current_version
        behind = keys_behind(provider, None if tenant is None else [tenant])
    except CryptoError as exc:
        return CheckResult(Status.FAIL, f"the key-encryption key is unavailable: {exc}", {"provider": "unavailable"})
    versions = {}
    for t in _tenants(tenant):
        key = _active_dek(t)
        if key is not None:
            versions[t.slug] = key.version
    figures = {
        "provider": provider_name(provider),
        "kek_version": kek_version,
        "keys_behind_kek": sum(behind.values()),
        "businesses_behind_kek": len(behind),
        "dek_versions": versions,
    }
    head = f"{provider_name(provider)} KEK v{kek_version}"
    if tenant is not None:
        head += f"; data key v{versions[tenant.slug]}" if tenant.slug in versions else "; no data key yet"
    else:
        head += f"; {len(versions)} businesses with a data key"
    if behind:
        return CheckResult(
            Status.WARN,
            f"{head}; {sum(behind.values())} data keys still wrapped under an older KEK version (run rotate_kek)",
            figures,
            KEYS_EVIDENCE,
        )
    return CheckResult(Status.PASS, f"{head}; every data key wrapped under the current KEK", figures, KEYS_EVIDENCE)


def last_kek_rotation() -> datetime | None:
    """When ``rotate_kek`` last ran (the platform audit chain's newest ``security_center.kek.rotated``)."""
    page = search_events(PLATFORM_CHAIN, EventFilter(action="security_center.kek.rotated"), size=1)
    return page.items[0].occurred_at if page.items else None


def _days(when: datetime | None, now: datetime) -> int | None:
    return None if when is None else (now - when).days


def compute_rotation(tenant: Tenant | None) -> CheckResult:
    """Ages of the last KEK rotation and of the active data keys against the policy maxima."""
    now = timezone.now()
    kek_max, dek_max = settings.FIELD_ENCRYPTION_KEK_MAX_AGE_DAYS, settings.FIELD_ENCRYPTION_DEK_MAX_AGE_DAYS
    kek_at = last_kek_rotation()
    dek_ages = {}
    for t in _tenants(tenant):
        key = _active_dek(t)
        if key is not None:
            dek_ages[t.slug] = _days(key.created_at, now)
    oldest_dek = max(dek_ages.values(), default=None)
    over = sorted(slug for slug, age in dek_ages.items() if age is not None and age > dek_max)
    kek_age = _days(kek_at, now)
    figures = {
        "last_kek_rotation": kek_at.isoformat() if kek_at else None,
        "kek_age_days": kek_age,
        "kek_max_age_days": kek_max,
        "oldest_dek_age_days": oldest_dek,
        "dek_max_age_days": dek_max,
        "businesses_over_dek_policy": len(over),
    }
    kek_text = f"KEK last rotated {kek_age} days ago" if kek_age is not None else "no KEK rotation recorded"
    dek_text = f"oldest active data key {oldest_dek} days old" if oldest_dek is not None else "no data keys yet"
    summary = f"{kek_text} (policy {kek_max}); {dek_text} (policy {dek_max})"
    if (kek_age is not None and kek_age > kek_max) or over:
        return CheckResult(Status.FAIL, summary, figures, KEYS_EVIDENCE)
    if kek_age is None and tenant is None:
        return CheckResult(Status.WARN, summary, figures, KEYS_EVIDENCE)
    return CheckResult(Status.PASS, summary, figures, KEYS_EVIDENCE)


def register_key_checks() -> None:
    register(
        Check(
            id="encryption.keys",
            title="Encryption keys",
            area="encryption",
            scope=Scope.BOTH,
            compute=compute_keys,
            controls=("SOC 2 CC6.1", "GDPR Art. 32(1)(a)"),
        )
    )
    register(
        Check(
            id="encryption.rotation",
            title="Key rotation",
            area="encryption",
            scope=Scope.BOTH,
            compute=compute_rotation,
            controls=("SOC 2 CC6.1", "SOC 2 CC6.7", "GDPR Art. 32(1)(a)"),
        )
    )
