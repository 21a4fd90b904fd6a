"""Platform-level records of the observability app (not tenant data).

``SyntheticRun``: one run of a synthetic check; the metrics, the SLO dashboard and the
degraded-dependency automation all read these rows, so the figures agree everywhere.
``DegradedDependency``: the message and origin behind a ``*_degraded`` waffle switch.
"""

from __future__ import annotations

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
