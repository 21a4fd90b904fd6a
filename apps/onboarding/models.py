"""A business's progress through the onboarding wizard: one row per tenant.

Tenant-scoped (ORM scope and row-level security). Per-step answers live in
``data`` (what the owner typed: names, address, phone, identifiers, invited
addresses; never a secret), sealed with the tenant's data key like the two
review notes (decision 0025); step completion times in ``completed_steps``. ``started_at`` and
``completed_at`` feed the "onboarding under 10 minutes (p90)" SLO.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models

from apps.security_center.crypto.fields import EncryptedJSONField, EncryptedTextField
from apps.tenancy.models import TenantScopedModel


class Step(models.TextChoices):
    BUSINESS = "business", "Business details"
    IDENTIFIERS = "identifiers", "VAT and company numbers"
    KYC = "kyc", "Companies House check"
    HMRC = "hmrc", "Connect HMRC"
    VAT = "vat", "VAT scheme"
    TEAM = "team", "Invite your team"
    DOCUMENTS = "documents", "First document"
    DONE = "done", "Finish"


# The wizard's order; DONE is where a fully answered wizard lands.
STEP_ORDER: tuple[str, ...] = tuple(Step.values)
# Steps that may be skipped (completed without doing anything).
OPTIONAL_STEPS = frozenset({Step.TEAM, Step.DOCUMENTS})


class KycStatus(models.TextChoices):
    PENDING = "pending", "Not checked yet"
    PASSED = "passed", "Passed"
    FAILED = "failed", "Failed"
    UNAVAILABLE = "unavailable", "Companies House not answering"
    STAFF_REVIEW = "staff_review", "Waiting for staff review"


class ReviewDecision(models.TextChoices):
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class OnboardingProgress(TenantScopedModel):
    current_step = models.CharField(max_length=16, choices=Step.choices, default=Step.BUSINESS)
    data = EncryptedJSONField(
        label="onboarding.data", default=dict, blank=True, help_text="Answers per step, keyed by step. No secrets."
    )
    completed_steps = models.JSONField(default=dict, blank=True, help_text="Step -> ISO time it was completed.")
    started_at = models.DateTimeField()
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    completed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    kyc_status = models.CharField(max_length=16, choices=KycStatus.choices, default=KycStatus.PENDING)
    # Why the check failed or could not run, in words shown to the owner and to staff.
    # Sealed: a staff rejection copies the staff member's note in here.
    kyc_reasons = EncryptedJSONField(label="onboarding.kyc_reasons", default=list, blank=True)
    # The Companies House facts the decision was made on (public data).
    kyc_profile = models.JSONField(default=dict, blank=True)
    kyc_name_checked = models.CharField(max_length=200, blank=True)
    kyc_checked_at = models.DateTimeField(null=True, blank=True)
    kyc_attempts = models.PositiveIntegerField(default=0)

    review_requested_at = models.DateTimeField(null=True, blank=True)
    review_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    review_note = EncryptedTextField(label="onboarding.review_note", blank=True, help_text="What the owner told staff.")
    review_decision = models.CharField(max_length=16, choices=ReviewDecision.choices, blank=True)
    review_decided_at = models.DateTimeField(null=True, blank=True)
    review_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    review_decision_note = EncryptedTextField(label="onboarding.review_decision_note", blank=True)

    class Meta:
        verbose_name_plural = "onboarding progress"
        constraints = [models.UniqueConstraint(fields=["tenant"], name="onboarding_progress_tenant_unique")]

    def __str__(self) -> str:
        return f"Onboarding of {self.tenant_id} at {self.current_step}"

    def is_completed(self, step: str) -> bool:
        return step in self.completed_steps

    def step_data(self, step: str) -> dict:
        return dict(self.data.get(step) or {})

    @property
    def is_finished(self) -> bool:
        return self.completed_at is not None

    @property
    def duration(self) -> timedelta | None:
        return self.completed_at - self.started_at if self.completed_at else None
