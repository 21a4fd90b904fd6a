"""Retention runs, privacy requests (access and erasure) and erasure certificates (decision 0026).

Platform tables, not tenant-scoped: a person's request spans businesses, and a business's erasure
outlives its memberships. Rows hold ids, counts and dates; no personal data beyond the links to the
user or business they concern (a person's erased account keeps only its id).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class RetentionRun(models.Model):
    """One pass of the retention job: per category, what it found due and what it did (or would do)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    dry_run = models.BooleanField(default=True)
    # {category: {"due": n, "deleted": n, "restricted": n, "kept": n, "note": "..."}}
    counts = models.JSONField(default=dict)
    triggered_by = models.CharField(max_length=40, default="beat")  # "beat", "command", "test"

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"retention run {self.started_at:%Y-%m-%d %H:%M} ({'dry run' if self.dry_run else 'applied'})"


class PrivacyRequest(models.Model):
    """A subject access request or an erasure request, for a person or for a whole business."""

    class Kind(models.TextChoices):
        ACCESS = "access", "Access (export)"
        ERASURE = "erasure", "Erasure"

    class Subject(models.TextChoices):
        PERSON = "person", "A person"
        BUSINESS = "business", "A business"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RUNNING = "running", "In progress"
        READY = "ready", "Export ready"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Export deleted"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    subject = models.CharField(max_length=10, choices=Subject.choices)
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    subject_tenant = models.ForeignKey(
        "tenancy.Tenant", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    progress = models.PositiveSmallIntegerField(default=0)  # percent, while running
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    due_at = models.DateTimeField()  # one calendar month under GDPR Art. 12(3)
    completed_at = models.DateTimeField(null=True, blank=True)
    # The export: a file under PRIVACY_EXPORT_DIR (outside the web root), its digest, and a one-time link.
    export_name = models.CharField(max_length=200, blank=True)
    export_size = models.PositiveBigIntegerField(default=0)
    export_sha256 = models.CharField(max_length=64, blank=True)
    link_token_hash = models.CharField(max_length=64, blank=True)
    link_expires_at = models.DateTimeField(null=True, blank=True)
    export_deleted_at = models.DateTimeField(null=True, blank=True)
    # Erasure: the statutory records kept (restricted) may be erased from this day.
    restricted_until = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="privacy_request_status_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} request ({self.get_subject_display()}, {self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in {self.Status.OPEN, self.Status.RUNNING}


class ErasureCertificate(models.Model):
    """What an erasure erased, restricted and kept, why, and when the backups holding it age out.

    ``body`` is the canonical JSON shown and downloaded; ``sha256`` is its digest, also written to the
    audit log, so a certificate altered later no longer matches the chained event.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    request = models.OneToOneField(PrivacyRequest, on_delete=models.PROTECT, related_name="certificate")
    issued_at = models.DateTimeField()
    body = models.TextField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"erasure certificate {self.id}"
