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


# --- the security center (decision 0027): recorded check runs and audit-chain verifications ---------------------


class CheckRun(models.Model):
    """One run of every check (platform and each business), by the beat job or by hand."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    trigger = models.CharField(max_length=16, default="beat")  # "beat", "command" or "request" (a button)
    tenants = models.PositiveIntegerField(default=0)
    # A run one business's owner asked for covers that business only; NULL: the platform and every business.
    tenant_id = models.UUIDField(null=True, blank=True)
    requested_by = models.CharField(max_length=254, blank=True)  # who pressed the button (the run is audited)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["-started_at"], name="checkrun_started_desc")]

    def __str__(self) -> str:
        return f"check run {self.started_at:%Y-%m-%d %H:%M}"


class CheckRecord(models.Model):
    """One check's result in one scope of a run: the platform (``tenant_id`` NULL) or one business.

    Not tenant-scoped on purpose: it holds a status, a one-line summary and
    counts (no personal data, no secrets), and the beat job writes every
    business's rows in one pass. Readers always filter by ``tenant_id``.
    """

    run = models.ForeignKey(CheckRun, on_delete=models.CASCADE, related_name="records")
    check_id = models.CharField(max_length=64)
    tenant_id = models.UUIDField(null=True, blank=True)
    status = models.CharField(max_length=8)
    summary = models.CharField(max_length=300)
    figures = models.JSONField(default=dict, blank=True)
    evidence_url = models.CharField(max_length=300, blank=True)  # the check's link when it ran (decision 0037)

    class Meta:
        ordering = ["check_id"]
        indexes = [models.Index(fields=["check_id", "tenant_id"], name="checkrecord_check_tenant")]

    def __str__(self) -> str:
        return f"{self.check_id}: {self.status}"


class ChainVerification(models.Model):
    """One verification of every audit chain (``manage.py verify_audit_chain`` or the beat job)."""

    verified_at = models.DateTimeField()
    trigger = models.CharField(max_length=16, default="beat")
    chains = models.PositiveIntegerField()
    events = models.PositiveBigIntegerField()
    ok = models.BooleanField()
    broken_chains = models.JSONField(default=list, blank=True)  # chain ids (str) that failed
    first_problem = models.CharField(max_length=500, blank=True)
    seconds = models.FloatField(default=0.0)
    # Whether every chain was read from its first event; otherwise each from its checkpoint (decision 0037).
    full = models.BooleanField(default=True)
    requested_by = models.CharField(max_length=254, blank=True)

    class Meta:
        ordering = ["-verified_at"]

    def __str__(self) -> str:
        return f"audit chains {'intact' if self.ok else 'BROKEN'} at {self.verified_at:%Y-%m-%d %H:%M}"
