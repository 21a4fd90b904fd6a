"""The append-only, hash-chained audit log (docs/contracts/security.md, Audit chain).

One chain per tenant (``chain`` = tenant id) plus the platform chain
(``PLATFORM_CHAIN``) for events that belong to no tenant: logins, staff
actions. Each row stores ``hash = sha256(prev_hash || int8be(seq) || body)``
where ``body`` is the canonical JSON of the event, stored verbatim so the
verifier hashes exactly the stored bytes.

On PostgreSQL a SECURITY DEFINER trigger assigns ``seq``, ``prev_hash`` and
``hash`` under a lock on the chain head, which the application role cannot
read or write; UPDATE, DELETE and TRUNCATE are refused by triggers and by
grants. Elsewhere (the SQLite demo) the service computes the same link.
"""

from __future__ import annotations

import uuid

from django.db import models

PLATFORM_CHAIN = uuid.UUID(int=0)
ZERO_HASH = bytes(32)


class AuditEvent(models.Model):
    # Row-level security with policies of its own (migration 0002); the
    # tenancy system check verifies they exist.
    rls_protected = True
    app_role_privileges = ("SELECT", "INSERT")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    chain = models.UUIDField(db_index=True)
    seq = models.BigIntegerField()
    prev_hash = models.BinaryField()
    hash = models.BinaryField()
    body = models.TextField()

    # Queryable copies of what ``body`` holds.
    occurred_at = models.DateTimeField()
    action = models.CharField(max_length=100)
    actor_id = models.CharField(max_length=64, blank=True)
    actor_label = models.CharField(max_length=254, blank=True)
    on_behalf_of = models.CharField(max_length=254, blank=True)
    tenant_id = models.UUIDField(null=True, blank=True)
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["chain", "seq"]
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="audit_chain_seq_unique")]
        indexes = [
            models.Index(fields=["action", "occurred_at"], name="audit_action_time_idx"),
            # The log filtered to one action, newest first (keyset on seq; decision 0037).
            models.Index(fields=["chain", "action", "-seq"], name="audit_chain_action_seq_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} #{self.seq}"


class ChainCheckpoint(models.Model):
    """How far one chain has been verified: every link through ``seq``, whose event's hash is ``hash``.

    Verification then only reads the events after ``seq`` and first re-checks
    that the event at ``seq`` still hashes to ``hash`` (decision 0037). Not
    tenant-scoped, like the security center's records: a chain id, a position,
    a hash and a status, no personal data; written by the verification job for
    every chain in one pass and always read by ``chain``. ``ok`` is the last
    run's verdict; ``seq``/``hash`` only ever move over links that held.
    """

    chain = models.UUIDField(primary_key=True)
    seq = models.BigIntegerField(default=0)  # 0: nothing verified yet (the chain starts after ZERO_HASH)
    hash = models.BinaryField(default=ZERO_HASH)
    verified_at = models.DateTimeField()
    verified_by = models.CharField(max_length=100)  # "beat", "command", or who asked ("staff:…", "owner:…")
    full = models.BooleanField(default=False)  # the last run re-verified from the chain's first event
    ok = models.BooleanField(default=True)
    broken_seq = models.BigIntegerField(null=True, blank=True)
    problem = models.CharField(max_length=500, blank=True)
    checked = models.BigIntegerField(default=0)  # events the last run read
    full_verified_at = models.DateTimeField(null=True, blank=True)  # the last run that started at the first event

    class Meta:
        ordering = ["chain"]

    def __str__(self) -> str:
        return f"chain {self.chain} verified through #{self.seq}"
