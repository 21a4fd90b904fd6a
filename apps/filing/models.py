"""VAT settings, obligations, returns (frozen snapshots), the journal lines behind each box, and submission attempts.

Tenant-scoped, so the ORM scope and PostgreSQL row-level security apply.
``FilingPeriodOverview`` is the one platform table: a small projection of
each period's status that the staff control tower reads across tenants
without reading any tenant's books (see docs/decisions/0006).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.filing.domain import ReturnStatus, Scheme, Stagger, VatBoxes
from apps.security_center.crypto.fields import EncryptedJSONField
from apps.tenancy.models import Tenant, TenantScopedModel


def _money(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=16, decimal_places=2, default=0, **kwargs)


class VatSettings(TenantScopedModel):
    scheme = models.CharField(max_length=16, choices=Scheme.choices, default=Scheme.STANDARD)
    stagger = models.CharField(max_length=16, choices=Stagger.choices)
    first_period_start = models.DateField(help_text="Transactions before this date are never in a return.")
    four_eyes = models.BooleanField(
        "four-eyes approval", default=False, help_text="A second person must approve the return its preparer sent."
    )
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "VAT settings"
        constraints = [models.UniqueConstraint(fields=["tenant"], name="filing_vat_settings_tenant_unique")]


class VatObligation(TenantScopedModel):
    """A period HMRC expects a return for, as HMRC last told us."""

    class Status(models.TextChoices):
        OPEN = "O", "Open"
        FULFILLED = "F", "Fulfilled"

    vrn = models.CharField(max_length=9)
    period_key = models.CharField(max_length=4)
    start = models.DateField()
    end = models.DateField()
    due = models.DateField()
    status = models.CharField(max_length=1, choices=Status.choices)
    received = models.DateField(null=True, blank=True)
    synced_at = models.DateTimeField()

    class Meta:
        ordering = ["-start"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "vrn", "period_key"], name="filing_obligation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.period_key} ({self.start:%d %b %Y} to {self.end:%d %b %Y})"


class VatReturn(TenantScopedModel):
    """One return per VRN and period key: the idempotency key of its submission.

    Figures are computed while it is a draft; from "awaiting approval" on
    they are a frozen snapshot, and the journal lines behind them are claimed
    (``VatReturnLine``) so no later posting can change a figure already
    approved or filed: a late posting lands in the next open return.
    """

    obligation = models.ForeignKey(VatObligation, on_delete=models.PROTECT, related_name="returns")
    vrn = models.CharField(max_length=9)
    period_key = models.CharField(max_length=4)
    idempotency_key = models.CharField(max_length=40, editable=False)
    status = models.CharField(max_length=20, choices=ReturnStatus.choices, default=ReturnStatus.DRAFT)
    box1 = _money()
    box2 = _money()
    box3 = _money()
    box4 = _money()
    box5 = _money()
    box6 = _money()
    box7 = _money()
    box8 = _money()
    box9 = _money()
    computed_at = models.DateTimeField(null=True, blank=True)
    # The tenant's last journal number when this return first claimed its lines (the lowest over its freezes;
    # decision 0034). Every box-counting line dated in the period and numbered up to it is claimed by some
    # frozen return while this one is frozen, so only lines numbered above it can be late postings to carry.
    # None (returns frozen before it existed) means "any line may be": the period is scanned whole.
    claimed_through = models.PositiveIntegerField(null=True, blank=True, editable=False)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    prepared_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    declaration_accepted = models.BooleanField(default=False)
    # Fraud-prevention context captured from the approver's browser and request, for the task
    # (docs/contracts/hmrc-fraud-prevention-headers.md). Personal data (IP addresses, device id, user agent,
    # user id): sealed with the tenant's data key (decision 0025).
    fraud_context = EncryptedJSONField(label="filing.return.fraud_context", default=dict, blank=True)
    # The submission: claim, attempts, outcome.
    submitting_since = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error_code = models.CharField(max_length=60, blank=True)
    last_error_message = models.TextField(blank=True)
    rejection_errors = models.JSONField(default=list, blank=True)
    # HMRC's receipt, stored in the transaction that marks the return submitted.
    submitted_at = models.DateTimeField(null=True, blank=True)
    processing_date = models.DateTimeField(null=True, blank=True)
    form_bundle_number = models.CharField(max_length=12, blank=True)
    charge_ref_number = models.CharField(max_length=16, blank=True)
    payment_indicator = models.CharField(max_length=4, blank=True)
    receipt_id = models.CharField(max_length=64, blank=True)
    receipt_timestamp = models.CharField(max_length=64, blank=True)
    correlation_id = models.CharField(max_length=64, blank=True)
    # Set when HMRC first answered DUPLICATE_SUBMISSION: it holds a return for the period, so from then on the
    # only safe move is to read it back (sending it again can only get the same answer, or a second filing).
    hmrc_reported_duplicate_at = models.DateTimeField(null=True, blank=True)
    # True when HMRC answered DUPLICATE_SUBMISSION and the figures were confirmed by reading the return back.
    reconciled_from_hmrc = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-obligation__start"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "idempotency_key"], name="filing_return_idempotency_unique"),
            models.CheckConstraint(
                condition=~Q(status=ReturnStatus.SUBMITTED) | ~Q(form_bundle_number="") | Q(reconciled_from_hmrc=True),
                name="filing_return_submitted_has_receipt",
            ),
        ]

    def __str__(self) -> str:
        return f"VAT return {self.period_key} ({self.get_status_display()})"

    @staticmethod
    def key_for(vrn: str, period_key: str) -> str:
        return f"{vrn}:{period_key}"

    @property
    def boxes(self) -> VatBoxes:
        return VatBoxes(**{f"box{n}": getattr(self, f"box{n}") for n in range(1, 10)})

    def set_boxes(self, boxes: VatBoxes) -> None:
        for name, value in boxes.as_dict().items():
            setattr(self, name, value)


class VatReturnLine(TenantScopedModel):
    """A journal line claimed by a frozen return, and the box it counts in (the drill-down)."""

    vat_return = models.ForeignKey(VatReturn, on_delete=models.CASCADE, related_name="lines")
    journal_line = models.ForeignKey("ledger.JournalLine", on_delete=models.PROTECT, related_name="+")
    box = models.PositiveSmallIntegerField()
    amount = _money()
    # Dated before the period: a late posting carried into this return.
    is_adjustment = models.BooleanField(default=False)

    class Meta:
        ordering = ["box", "journal_line__entry__date"]
        # The frozen drill-down: one box of one return.
        indexes = [models.Index(fields=["tenant", "vat_return", "box"], name="filing_return_line_box")]
        constraints = [
            # A journal line counts in one return only: what makes a filed figure final.
            models.UniqueConstraint(fields=["tenant", "journal_line"], name="filing_return_line_claimed_once"),
        ]


class SubmissionAttempt(TenantScopedModel):
    """One attempt at sending a return, written before the call and finished after it."""

    class Outcome(models.TextChoices):
        IN_FLIGHT = "in_flight", "In flight (or interrupted)"
        SUBMITTED = "submitted", "Accepted by HMRC"
        RECONCILED = "reconciled", "Already filed: confirmed by reading it back"
        REJECTED = "rejected", "Rejected by HMRC"
        RETRYABLE = "retryable", "HMRC unavailable: will retry"
        NOT_CONNECTED = "not_connected", "HMRC connection needs renewing"
        NEEDS_PERSON = "needs_person", "Stopped: a person must look"

    vat_return = models.ForeignKey(VatReturn, on_delete=models.CASCADE, related_name="submission_attempts")
    number = models.PositiveIntegerField()
    celery_task_id = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.IN_FLIGHT)
    error_code = models.CharField(max_length=60, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["vat_return", "number"]
        constraints = [models.UniqueConstraint(fields=["vat_return", "number"], name="filing_attempt_unique")]


class FilingPeriodOverview(models.Model):
    """Platform projection for the staff control tower: status, dates and net figure per tenant period.

    Written in the same transaction as the tenant's own rows by the filing
    services; holds no journal data. Not tenant-scoped on purpose.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    vrn = models.CharField(max_length=9)
    period_key = models.CharField(max_length=4)
    start = models.DateField()
    end = models.DateField()
    due = models.DateField()
    obligation_status = models.CharField(max_length=1)
    return_status = models.CharField(max_length=20, blank=True)
    net_vat = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    is_repayment = models.BooleanField(default=False)
    return_id = models.UUIDField(null=True, blank=True)
    last_error_code = models.CharField(max_length=60, blank=True)
    submitting_since = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Attempts made so far: the resume sweep leaves a return alone once its automatic attempts are used up.
    attempts = models.PositiveIntegerField(default=0)
    approved_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "vrn", "period_key"], name="filing_overview_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.tenant_id} {self.period_key} {self.return_status or self.obligation_status}"


class SubmissionOutcomeLog(models.Model):
    """Platform log of attempt outcomes (no tenant data): the filing SLI in the embedded SLO dashboard."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    outcome = models.CharField(max_length=16)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.outcome}"
