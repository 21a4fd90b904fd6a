"""Documents and the durable record of every processing attempt.

A document's row and its stored file are written before any processing
(store first, process later); the state machine below is what the user sees.
Every attempt at processing is a ``TaskRun`` row, so progress and failures
survive a reload, a worker crash and a redeploy.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.documents.sealing import duplicate_index_of
from apps.documents.search import document_tokens
from apps.security_center.crypto.blind_index import blind_index
from apps.security_center.crypto.fields import EncryptedJSONField, EncryptedTextField, Sealed
from apps.tenancy.models import TenantScopedModel


class DocumentState(models.TextChoices):
    RECEIVED = "received", "Received"
    OCR = "ocr", "Reading"
    EXTRACTED = "extracted", "Read"
    CLASSIFIED = "classified", "Classified"
    POSTED = "posted", "Posted"
    NEEDS_REVIEW = "needs_review", "Needs review"
    FAILED = "failed", "Failed"
    DUPLICATE = "duplicate", "Duplicate"
    # Set aside by a person, each with the reason; both can be restored.
    REJECTED = "rejected", "Rejected"
    ARCHIVED = "archived", "Archived"
    # Its journal entry was reversed: it can be reclassified and posted again.
    REVERSED = "reversed", "Reversed"


IN_PROGRESS = (DocumentState.RECEIVED, DocumentState.OCR, DocumentState.EXTRACTED, DocumentState.CLASSIFIED)
FINISHED = (
    DocumentState.POSTED,
    DocumentState.NEEDS_REVIEW,
    DocumentState.FAILED,
    DocumentState.DUPLICATE,
    DocumentState.REJECTED,
    DocumentState.ARCHIVED,
    DocumentState.REVERSED,
)


class Document(TenantScopedModel):
    class Source(models.TextChoices):
        PORTAL = "portal", "Portal"
        API = "api", "API"
        GOLDEN = "golden", "Golden dataset"

    original_filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=40)
    size = models.PositiveBigIntegerField()
    pages = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    # Named by tenant and content hash, never by the user's file name. Empty for duplicates.
    storage_name = models.CharField(max_length=255, blank=True)
    # The data-key version the stored file is sealed under; None = a plain file from before encryption
    # (decision 0024). Lets rotation sweeps and coverage checks find stale files without reading them.
    file_key_version = models.PositiveIntegerField(null=True, blank=True, editable=False)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.PORTAL)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    state = models.CharField(max_length=16, choices=DocumentState.choices, default=DocumentState.RECEIVED)
    state_changed_at = models.DateTimeField(auto_now_add=True)
    failure_reason = models.TextField(blank=True)
    failure_step = models.CharField(max_length=20, blank=True)
    duplicate_of = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # Why a person rejected or archived it (kept apart from ``failure_reason``, which a restore brings back).
    # Free text a person typed (at most 300 characters, cut by the services): encrypted at rest.
    set_aside_reason = EncryptedTextField(label="documents.set_aside_reason", blank=True)
    # When the business got the invoice: purchase VAT is reclaimed once the invoice is held.
    # Empty means the upload date.
    received_on = models.DateField(null=True, blank=True)

    # What the pipeline found. ``extraction`` is Extraction.to_json(); ``text`` the pages' text.
    # Both encrypted at rest under the tenant's data key (decision 0024); never filter on them in SQL.
    extraction = EncryptedJSONField(label="documents.extraction", null=True, blank=True)
    text = EncryptedTextField(label="documents.text", blank=True)
    # Blind index of (supplier VAT number, document number) for the duplicate-invoice search; None when
    # either is unknown. Kept in step with ``extraction`` by save() (see ``apps.documents.sealing``).
    duplicate_index = models.BinaryField(null=True, blank=True, editable=False)
    classification = models.JSONField(null=True, blank=True)
    review_reasons = models.JSONField(default=list, blank=True)
    journal_entry_id = models.UUIDField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    # The lease of the attempt now processing this document (see services/pipeline.py).
    processing_run = models.ForeignKey("TaskRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-uploaded_at"]
        constraints = [
            # One stored copy per tenant and content; duplicates are recorded, pointing at it.
            models.UniqueConstraint(
                fields=["tenant", "sha256"],
                condition=~Q(state="duplicate"),
                name="document_tenant_sha256_unique",
            ),
        ]
        indexes = [
            # The documents list (decision 0035): newest first, all or by state, keyset on (uploaded_at, id).
            models.Index(fields=["tenant", "-uploaded_at", "-id"], name="document_list_idx"),
            models.Index(fields=["tenant", "state", "-uploaded_at", "-id"], name="document_list_state_idx"),
            models.Index(fields=["tenant", "state", "state_changed_at"], name="document_state_idx"),
            models.Index(fields=["tenant", "duplicate_index"], name="document_duplicate_idx"),
            models.Index(fields=["tenant", "file_key_version"], name="document_file_key_idx"),
        ]

    def __str__(self) -> str:
        return self.original_filename

    def save(self, *args, **kwargs) -> None:
        """Keep ``duplicate_index`` in step with ``extraction`` whenever the extraction was read or assigned."""
        value = self.__dict__.get("extraction", Sealed())  # deferred counts as unchanged
        update_fields = kwargs.get("update_fields")
        written = not isinstance(value, Sealed) and (update_fields is None or "extraction" in update_fields)
        if written:
            self.duplicate_index = duplicate_index_of(self.tenant_id, value)
            if update_fields is not None:
                kwargs["update_fields"] = list(dict.fromkeys([*update_fields, "duplicate_index"]))
        adding = self._state.adding
        super().save(*args, **kwargs)
        if written:
            self._write_search_tokens(value, adding=adding)

    def _write_search_tokens(self, extraction, *, adding: bool) -> None:
        """Replace this document's search tokens (blind indexes of supplier words and numbers; decision 0035)."""
        tokens = document_tokens(self.tenant_id, extraction)
        if not adding:
            DocumentSearchToken.objects.filter(document=self).delete()
        DocumentSearchToken.objects.bulk_create(
            [DocumentSearchToken(tenant_id=self.tenant_id, document=self, token=t) for t in sorted(tokens)]
        )

    @property
    def in_progress(self) -> bool:
        return self.state in IN_PROGRESS

    @property
    def received_date(self):
        """The date the invoice was received: the one recorded, else the upload date."""
        from django.utils import timezone

        return self.received_on or (timezone.localdate(self.uploaded_at) if self.uploaded_at else None)


class DocumentSearchToken(TenantScopedModel):
    """One blind-index token a document can be found by (``apps.documents.search``); no plaintext."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="+")
    token = models.BinaryField(max_length=16)

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "token"], name="document_search_token_idx"),
            # "Which of these documents holds this token" (the undated to-do's anti-join; decision 0037).
            models.Index(fields=["document", "token"], name="document_token_by_doc_idx"),
        ]

    def __str__(self) -> str:
        return f"search token of {self.document_id}"


class TaskRun(TenantScopedModel):
    """One attempt at one task for one document: queued, started, finished, and why it failed."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        STARTED = "started", "Running"
        SUCCEEDED = "succeeded", "Done"
        FAILED = "failed", "Failed"
        LOST = "lost", "Interrupted"
        SKIPPED = "skipped", "Skipped"

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="runs")
    task_name = models.CharField(max_length=100)
    celery_task_id = models.CharField(max_length=64, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    attempt = models.PositiveIntegerField(default=1)
    queued_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True)
    step = models.CharField(max_length=20, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["queued_at"]
        indexes = [
            # The SLO dashboard's OCR latency reads each tenant's runs finished in the last 30 days (issue #18):
            # a range, not a scan of the tenant's whole history.
            models.Index(fields=["tenant", "task_name", "finished_at"], name="taskrun_finished_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.task_name} #{self.attempt} ({self.state})"

    @property
    def wait_seconds(self) -> float | None:
        return (self.started_at - self.queued_at).total_seconds() if self.started_at else None

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class ReconciliationReport(models.Model):
    """The result of one reconciliation pass over every tenant (ids and counts only, no content)."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    tenants = models.PositiveIntegerField(default=0)
    documents = models.PositiveIntegerField(default=0)
    stuck = models.JSONField(default=list)  # [{"tenant", "document", "state", "since", "action"}]
    missing_files = models.JSONField(default=list)  # rows whose file is gone: [{"tenant", "document"}]
    orphan_files = models.JSONField(default=list)  # files with no row: [{"tenant", "name"}]
    # Set when the pass refused to act because the store looked absent (nothing was changed); the alert reads it.
    store_problem = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"Reconciliation {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def clean(self) -> bool:
        return not (self.store_problem or self.stuck or self.missing_files or self.orphan_files)

    def as_dict(self) -> dict:
        return {
            "tenants": self.tenants,
            "documents": self.documents,
            "stuck": len(self.stuck),
            "missing_files": len(self.missing_files),
            "orphan_files": len(self.orphan_files),
            "store_problem": self.store_problem,
        }


class DocumentStoreIdentity(models.Model):
    """The identity of the document store this database belongs to (one row), matched by a marker in the store.

    A store whose marker is missing or different (a volume not mounted, the wrong
    bucket, a database restored without its files) is treated as absent: nothing
    destructive runs against it (``apps.documents.services.store_identity``).
    """

    marker = models.UUIDField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Document store {self.marker}"


KNOWN_SUPPLIER_VAT_INDEX = "documents.known_supplier.vat_number"


class KnownSupplier(TenantScopedModel):
    """A supplier this business has posted documents from, keyed on its VAT number: the name on record.

    Why: a printed name is read with OCR slips, brand lines and taglines; a VAT number whose check digits
    passed is not. Extraction reconciles the name it read with this one (extraction/supplier.py). The name
    and number are sealed (decision 0025); the lookup goes through a blind index of the compact number.
    A name a person confirmed in review is never overwritten by an automatic posting (decision 0030).
    """

    vat_number = EncryptedTextField("VAT number (compact)", label=KNOWN_SUPPLIER_VAT_INDEX)
    name = EncryptedTextField("supplier name", label="documents.known_supplier.name")
    vat_index = models.BinaryField(editable=False)
    confirmed_by_person = models.BooleanField(default=False)
    documents_posted = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "vat_index"], name="documents_known_supplier_vat_unique"),
        ]

    def __str__(self) -> str:
        return "known supplier"  # the name is sealed; it is not written to logs or admin titles

    def save(self, *args, **kwargs) -> None:
        """Recompute the blind index from the (plain, in memory) VAT number before it is sealed."""
        self.vat_index = known_supplier_index(self.tenant_id, self.vat_number)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "vat_number" in update_fields:
            kwargs["update_fields"] = {*update_fields, "vat_index"}
        super().save(*args, **kwargs)


def known_supplier_index(tenant_id, compact_vat_number: str) -> bytes:
    """The blind index a known supplier is found by (raises ValueError for an empty number)."""
    return blind_index(tenant_id, compact_vat_number, label=KNOWN_SUPPLIER_VAT_INDEX)
