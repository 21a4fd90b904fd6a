"""Results the monitors keep: chaos experiment runs (written by ``manage.py chaos`` in devtools)."""

from __future__ import annotations

from django.db import models


class ChaosRun(models.Model):
    """One chaos experiment run against a stack of its own, with its figures and Chaos Toolkit journal.

    Platform-wide (no tenant): the experiments run on synthetic businesses in a throw-away stack.
    """

    class Status(models.TextChoices):
        PASSED = "passed", "Passed"
        DEVIATED = "deviated", "Deviated"  # the steady state did not hold after the fault
        FAILED = "failed", "Failed"  # the experiment itself broke (an action raised, the stack did not start)

    experiment = models.CharField(max_length=80)
    tier = models.CharField(max_length=10, default="full")  # "short" (CI every time) or "full"
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices)
    deviated = models.BooleanField(default=False)
    lost = models.PositiveIntegerField(default=0)
    duplicated = models.PositiveIntegerField(default=0)
    drain_seconds = models.FloatField(null=True, blank=True)  # None: the backlog did not drain in time
    figures = models.JSONField(default=dict, blank=True)
    journal = models.JSONField(default=dict, blank=True)
    journal_path = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["experiment", "-started_at"], name="monitors_chaos_exp_started")]

    def __str__(self) -> str:
        return f"{self.experiment} {self.status} {self.started_at:%Y-%m-%d %H:%M}"
