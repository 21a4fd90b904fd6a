"""Per-tenant data keys for envelope encryption (docs/contracts/security.md, Format).

The table holds only *wrapped* keys: without the key-encryption key (KEK) they
are random bytes. It is tenant-scoped, so PostgreSQL row-level security keeps
one tenant's keys invisible to another's transactions.
"""

from __future__ import annotations

from django.db import models

from apps.tenancy.models import TenantScopedModel


class TenantKey(TenantScopedModel):
    """One version of one tenant's data key for one purpose.

    ``data`` keys encrypt field values (rotated: new version active, old ones
    still decrypt); the ``index`` key computes blind indexes (not rotated, as
    every index value would change). Shredding sets ``wrapped_dek`` to NULL.
    """

    class Purpose(models.TextChoices):
        DATA = "data", "Field encryption"
        INDEX = "index", "Blind index"

    purpose = models.CharField(max_length=8, choices=Purpose.choices, default=Purpose.DATA)
    version = models.PositiveIntegerField()
    wrapped_dek = models.BinaryField(null=True, editable=False)
    kek_id = models.CharField("KEK id", max_length=200)
    kek_version = models.PositiveIntegerField("KEK version")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    rewrapped_at = models.DateTimeField(null=True, blank=True)
    destroyed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["purpose", "version"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "purpose", "version"], name="tenantkey_tenant_purpose_version"),
            models.UniqueConstraint(
                fields=["tenant", "purpose"], condition=models.Q(active=True), name="tenantkey_one_active_per_purpose"
            ),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="tenantkey_version_positive"),
            models.CheckConstraint(
                condition=models.Q(active=False) | models.Q(wrapped_dek__isnull=False),
                name="tenantkey_active_has_key",
            ),
        ]

    def __str__(self) -> str:
        state = "destroyed" if self.is_destroyed else ("active" if self.active else "retired")
        return f"{self.purpose} key v{self.version} ({state})"

    @property
    def is_destroyed(self) -> bool:
        return self.wrapped_dek is None
