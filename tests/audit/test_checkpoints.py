"""Incremental verification of the audit chains (decision 0037): what a checkpoint proves and what it does not."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from apps.audit.models import ChainCheckpoint
from apps.audit.selectors import chain_head, chain_heads, chain_status, verify_chain, verify_since
from apps.audit.services import checkpoint_chain, record_event
from apps.tenancy.context import tenant_context
from tests.audit.test_chain import _tamper
from tests.factories import TenantFactory
from tests.helpers import audit_events


def _events(tenant, n: int, start: int = 0) -> None:
    with tenant_context(tenant):
        for i in range(start, start + n):
            record_event("tenancy.tenant.updated", tenant_id=tenant.pk, after={"n": i})


@pytest.mark.django_db
def test_a_checkpoint_makes_the_next_run_read_only_the_new_events(tenant_a):
    _events(tenant_a, 5)
    first = checkpoint_chain(tenant_a.pk)
    assert (first.ok, first.events, first.full, first.through_seq) == (True, 5, True, 5)
    stored = ChainCheckpoint.objects.get(chain=tenant_a.pk)
    assert (stored.seq, bytes(stored.hash), stored.ok) == (5, bytes(audit_events(tenant_a.pk)[-1].hash), True)
    assert stored.full_verified_at is not None and stored.verified_by == "beat"

    _events(tenant_a, 3, start=5)
    assert chain_status(tenant_a.pk).pending == 3 and chain_head(tenant_a.pk) == 8
    second = checkpoint_chain(tenant_a.pk, by="staff:officer@example.test")
    assert (second.ok, second.events, second.full, second.through_seq) == (True, 4, False, 8)  # the anchor + 3 new
    status = chain_status(tenant_a.pk)
    assert (status.through, status.pending, status.ok) == (8, 0, True)
    assert status.checkpoint.verified_by == "staff:officer@example.test"
    again = checkpoint_chain(tenant_a.pk)
    assert (again.ok, again.events) == (True, 1)  # nothing new: only the checkpoint's own event is read


@pytest.mark.django_db
def test_a_forged_checkpoint_hash_is_a_break_not_a_pass(tenant_a):
    _events(tenant_a, 3)
    report = verify_since(tenant_a.pk, 2, bytes(32))
    assert not report.ok and report.broken_seq == 2 and "checkpoint" in report.reason
    missing = verify_since(tenant_a.pk, 9, bytes(32))
    assert not missing.ok and "missing" in missing.reason


@pytest.mark.django_db
def test_heads_of_every_chain_in_one_query(tenant_a, tenant_b, django_assert_num_queries):
    _events(tenant_a, 4)
    _events(tenant_b, 2)
    with django_assert_num_queries(1):
        heads = chain_heads()
    assert heads[tenant_a.pk] == 4 and heads[tenant_b.pk] == 2


def test_tampering_after_at_and_before_the_checkpoint(committed_db):
    """After or at the checkpoint: the hourly (incremental) run finds it. Before: only the full run does."""
    tenant = TenantFactory()
    _events(tenant, 6)
    assert checkpoint_chain(tenant.pk).ok  # checkpoint at #6
    _events(tenant, 2, start=6)  # #7, #8 not verified yet
    events = audit_events(tenant.pk)

    _tamper(events[6].id, events[6].body.replace('"n":6', '"n":66'))  # after the checkpoint
    after = checkpoint_chain(tenant.pk)
    assert not after.ok and after.broken_seq == 7 and "altered" in after.reason
    stored = ChainCheckpoint.objects.get(chain=tenant.pk)
    assert (stored.ok, stored.seq, stored.broken_seq) == (False, 6, 7)  # the checkpoint never moves past a break
    _tamper(events[6].id, events[6].body)  # put back

    _tamper(events[5].id, events[5].body.replace('"n":5', '"n":55'))  # the checkpoint's own event
    at = checkpoint_chain(tenant.pk)
    assert not at.ok and at.broken_seq == 6 and "checkpoint" in at.reason
    _tamper(events[5].id, events[5].body)

    assert checkpoint_chain(tenant.pk).ok  # intact again: checkpoint at #8
    _tamper(events[1].id, events[1].body.replace('"n":1', '"n":11'))  # before the checkpoint
    assert checkpoint_chain(tenant.pk).ok  # what a checkpoint does not prove (decision 0037)
    assert not verify_chain(tenant.pk).ok
    with pytest.raises(CommandError) as excinfo:
        call_command("verify_audit_chain")  # the full re-verification (the command's default, and the daily task)
    assert f"chain {tenant.pk} seq 2" in str(excinfo.value)
    stored = ChainCheckpoint.objects.get(chain=tenant.pk)
    assert not stored.ok and stored.full and stored.broken_seq == 2


@pytest.mark.django_db
def test_the_hourly_job_reads_from_checkpoints_and_the_daily_one_from_the_start(tenant_a):
    from django.conf import settings

    from apps.security_center import tasks
    from apps.security_center.models import ChainVerification
    from config.celery import app

    _events(tenant_a, 4)
    assert tasks.verify_audit_chains_full() is True
    full = ChainVerification.objects.order_by("-verified_at").first()
    assert full.full and full.events >= 4
    _events(tenant_a, 2, start=4)
    assert tasks.verify_audit_chains(requested_by="staff:officer@example.test") is True
    hourly = ChainVerification.objects.order_by("-verified_at").first()
    assert not hourly.full and hourly.trigger == "request" and hourly.requested_by == "staff:officer@example.test"
    assert ChainCheckpoint.objects.get(chain=tenant_a.pk).seq == 6
    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"maintenance.verify_audit_chains", "maintenance.verify_audit_chains_full"} <= schedule
    assert "maintenance.verify_audit_chains_full" in app.tasks
