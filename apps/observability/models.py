"""Platform-level records of the observability app (not tenant data).

``SyntheticRun``: one run of a synthetic check; the metrics, the SLO dashboard and the
degraded-dependency automation all read these rows, so the figures agree everywhere.
``DegradedDependency``: the message and origin behind a ``*_degraded`` waffle switch.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models


class SyntheticRun(models.Model):
    check_name = models.CharField(max_length=32)  # "check" would shadow Model.check()
    ok = models.BooleanField()
    skipped = models.BooleanField(default=False)  # could not run (e.g. a client not available): not a failure
    duration_seconds = models.FloatField()
    error = models.TextField(blank=True)
    at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["check_name", "-at"], name="synthetic_check_at_idx")]
        ordering = ["-at"]

    def __str__(self) -> str:
        outcome = "skipped" if self.skipped else ("ok" if self.ok else "failed")
        return f"{self.check_name} {outcome} at {self.at:%Y-%m-%d %H:%M:%S}"


class DegradedDependency(models.Model):
    """Why a dependency's ``<name>_degraded`` switch is on, and who turned it on."""

    class Source(models.TextChoices):
        STAFF = "staff", "Staff"
        SYNTHETIC = "synthetic", "Synthetic monitor"
        BREAKER = "breaker", "Circuit breaker"

    dependency = models.CharField(max_length=32, unique=True)
    message = models.CharField(max_length=300)
    source = models.CharField(max_length=16, choices=Source.choices)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    set_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.dependency}: {self.message}"


class DocumentStateTally(models.Model):
    """Documents per state, kept by a trigger on the documents table: what /metrics reads in constant time.

    Why stored and not counted: counting at each scrape visited every document of every tenant (row-level
    security forces a per-tenant pass), so a scrape grew with the platform's history. Why stripes: one row
    per state would make every upload on the platform wait on the same row lock; tenants hash onto
    ``STRIPES`` rows per state, so the read stays bounded (states x stripes rows) and no tenant is named.
    The trigger (migration 0005) adds and subtracts per statement, in the writer's transaction.
    """

    STRIPES = 16
    # Only the trigger (SECURITY DEFINER, the table owner) writes here; the application role reads.
    app_role_privileges = ("SELECT",)

    stripe = models.PositiveSmallIntegerField()
    state = models.CharField(max_length=16)
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["stripe", "state"], name="observability_tally_unique")]

    def __str__(self) -> str:
        return f"{self.state} (stripe {self.stripe}): {self.n}"


class TaskRunTally(models.Model):
    """Finished task runs per task, five-minute bucket and stripe: what the SLO dashboard's OCR SLIs read.

    Why stored: the dashboard read every OCR task run of the last 30 days, tenant by tenant (FORCE ROW LEVEL
    SECURITY), so the page grew with tenants and with their recent work (issue #18). A statement trigger on
    ``documents_taskrun`` (migration 0006) adds and subtracts each statement's finished runs (``succeeded`` or
    ``failed``, with a start) in the writer's transaction; a 30-day read visits at most 30 x 288 buckets x
    ``STRIPES`` rows whatever the number of businesses and documents. ``within_6s`` and ``within_30s`` count
    the runs that finished within the OCR SLOs' thresholds (``LATENCY_BOUNDS``; a test keeps them equal).
    Stripes as in ``DocumentStateTally``: workers finishing runs for different tenants do not queue on one row.
    """

    STRIPES = 16
    BUCKET = timedelta(minutes=5)
    LATENCY_BOUNDS = (6.0, 30.0)
    app_role_privileges = ("SELECT",)

    task_name = models.CharField(max_length=100)
    bucket = models.DateTimeField()
    stripe = models.PositiveSmallIntegerField()
    total = models.BigIntegerField(default=0)
    within_6s = models.BigIntegerField(default=0)
    within_30s = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task_name", "bucket", "stripe"], name="observability_run_tally_unique")
        ]

    def __str__(self) -> str:
        return f"{self.task_name} {self.bucket:%Y-%m-%d %H:%M} (stripe {self.stripe}): {self.total}"
