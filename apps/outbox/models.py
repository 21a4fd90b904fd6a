"""The transactional outbox: one row per effect that must happen, committed with the change that needs it.

Why a table and not just a Celery message: a message lives only in Redis, and Redis without
persistence (or a restart, or an outage while the request commits) loses it; the row is in the
same PostgreSQL transaction as the state change, so either both exist or neither does. The relay
(``apps.outbox.services.relay``) sends the row again until the task says it is done.

Not tenant-scoped on purpose: the relay reads every business's rows, and a row holds only ids
(task name, kwargs of ids, the tenant's id), never a business's data.
"""

from __future__ import annotations

import uuid

from django.db import models


class OutboxState(models.TextChoices):
    PENDING = "pending", "Pending"  # due at available_at, not sent (or its send failed)
    DISPATCHED = "dispatched", "Dispatched"  # a message was sent; no worker has started it yet
    RUNNING = "running", "Running"  # a worker started it and holds the lease
    DONE = "done", "Done"
    PARKED = "parked", "Parked"  # its dependency's breaker is open: waits without retrying
    DEAD = "dead", "Dead"  # sent too many times without finishing: a person looks


ACTIVE_STATES = (OutboxState.PENDING, OutboxState.DISPATCHED, OutboxState.RUNNING, OutboxState.PARKED)


class Dependency(models.TextChoices):
    NONE = "", "None"
    HMRC = "hmrc", "HMRC"
    COMPANIES_HOUSE = "companies_house", "Companies House"
    BANK_FEED = "bank_feed", "Bank feed"


class OutboxItem(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # One effect, one key: enqueueing the same key again while it is active changes nothing.
    key = models.CharField(max_length=200, unique=True)
    task_name = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    tenant_id = models.UUIDField(null=True, blank=True, db_index=True)
    dependency = models.CharField(max_length=32, choices=Dependency.choices, default=Dependency.NONE, blank=True)
    state = models.CharField(max_length=16, choices=OutboxState.choices, default=OutboxState.PENDING)
    # Messages sent for this effect (each send is one; a failed publish is not).
    attempts = models.PositiveIntegerField(default=0)
    available_at = models.DateTimeField()
    # dispatched: resend if not started by then; running: resend if not finished by then (the worker died).
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # The task message (Celery task id) whose worker holds the running lease: a duplicate copy of the message
    # is refused while that lease is live, and the holder's own retries may start again.
    holder = models.CharField(max_length=64, blank=True, default="")
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["state", "available_at"], name="outbox_due"),
            models.Index(fields=["state", "lease_until"], name="outbox_lease"),
            models.Index(fields=["dependency", "state"], name="outbox_dependency"),
        ]

    def __str__(self) -> str:
        return f"{self.task_name} [{self.state}] {self.key}"
