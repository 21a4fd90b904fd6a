"""Staff roles, elevated access and access reviews: the data behind the policy.

These are platform records, not tenant data: they say which staff member may
act, where and until when. The tenant's own audit chain records every request,
approval, use and expiry that concerns it, so its owners see them.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class StaffRole(models.TextChoices):
    SUPPORT = "support", "Support"
    SRE = "sre", "Site reliability"
    SECURITY_OFFICER = "security_officer", "Security officer"
    PLATFORM_ADMIN = "platform_admin", "Platform administrator"


# Who may approve another staff member's elevation and review access. Kept here, beside the roles, because
# the database trigger on AccessElevation (migration 0002) enforces the same set.
APPROVER_ROLES = frozenset({StaffRole.SECURITY_OFFICER, StaffRole.PLATFORM_ADMIN})


class StaffRoleGrant(models.Model):
    """One staff role held by one user. Revoking deletes the row; the audit chain keeps the history."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_roles")
    role = models.CharField(max_length=32, choices=StaffRole.choices)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=300, blank=True)
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user__email", "role"]
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="staff_role_once_per_user")]

    def __str__(self) -> str:
        return f"{self.user} as {self.get_role_display()}"


class AccessElevation(models.Model):
    """A staff member's time-boxed access to one business, approved by someone else.

    The database refuses an approver who is the requester (check constraint)
    and, on PostgreSQL, an approver without an approving staff role (trigger,
    migration 0002). Break-glass elevations have no approver: they start at
    once, are short, and must be reviewed after the fact.
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", "Waiting for approval"
        APPROVED = "approved", "Approved"
        DENIED = "denied", "Denied"
        REVOKED = "revoked", "Revoked"
        EXPIRED = "expired", "Expired"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=500)
    minutes = models.PositiveIntegerField()
    break_glass = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REQUESTED)
    created_at = models.DateTimeField(auto_now_add=True)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    # Break-glass only: the after-the-fact review by an approver who is not the requester.
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["requester", "tenant", "status"], name="elevation_lookup")]
        constraints = [
            models.CheckConstraint(
                condition=Q(approver__isnull=True) | ~Q(approver=F("requester")),
                name="elevation_approver_is_not_requester",
            ),
            models.CheckConstraint(
                condition=Q(reviewed_by__isnull=True) | ~Q(reviewed_by=F("requester")),
                name="elevation_reviewer_is_not_requester",
            ),
            # Approved means someone else approved it, or it is break-glass; either way it has an end.
            models.CheckConstraint(
                condition=~Q(status="approved")
                | (Q(expires_at__isnull=False) & (Q(approver__isnull=False) | Q(break_glass=True))),
                name="elevation_approved_has_approver_and_end",
            ),
            models.CheckConstraint(condition=Q(minutes__gte=1) & Q(minutes__lte=480), name="elevation_minutes"),
        ]

    def __str__(self) -> str:
        return f"{self.requester} → {self.tenant} ({self.status})"


class AccessReview(models.Model):
    """A periodic review of every privileged grant: each item confirmed or revoked by its reviewer."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    period = models.CharField(max_length=16, unique=True, help_text="The quarter reviewed, e.g. 2026-Q4.")
    opened_at = models.DateTimeField(auto_now_add=True)
    due_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return f"Access review {self.period}"


class AccessReviewItem(models.Model):
    class Kind(models.TextChoices):
        STAFF_ROLE = "staff_role", "Staff role"
        STAFF_FLAG = "staff_flag", "Staff account"
        SUPERUSER = "superuser", "Superuser flag"

    class Decision(models.TextChoices):
        PENDING = "pending", "Pending"
        CONFIRMED = "confirmed", "Confirmed"
        REVOKED = "revoked", "Revoked"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    review = models.ForeignKey(AccessReview, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    subject = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # What exactly is reviewed (a staff role grant's id, or the user's id for a flag), and in words.
    grant_ref = models.CharField(max_length=64)
    description = models.CharField(max_length=300)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision = models.CharField(max_length=16, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["kind", "description"]
        constraints = [
            models.UniqueConstraint(fields=["review", "kind", "subject", "grant_ref"], name="review_item_once"),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("subject")),
                name="review_item_not_self_reviewed",
            ),
        ]

    def __str__(self) -> str:
        return self.description
