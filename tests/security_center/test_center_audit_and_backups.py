"""audit.chain from recorded verifications (and the command that records them); backups.status from the catalog."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.audit.services import record_event
from apps.backups.checks import backup_status
from apps.backups.models import Backup, BackupKind, BackupStatus, RestoreDrill
from apps.security_center.center.audit_chain import chain_evidence, chain_status
from apps.security_center.center.services import verify_and_record_chains
from apps.security_center.checks import Status, get_check
from apps.security_center.models import ChainVerification

pytestmark = pytest.mark.django_db


def test_never_verified_is_unknown_then_the_command_records_an_intact_verification(tenant_a, in_tenant):
    assert chain_status(None).status == Status.UNKNOWN
    with in_tenant(tenant_a):
        record_event("tenancy.membership.created", tenant_id=tenant_a.pk)
    call_command("verify_audit_chain", stdout=open("/dev/null", "w"))  # noqa: SIM115
    last = ChainVerification.objects.get()
    assert (last.ok, last.trigger, last.broken_chains) == (True, "command", [])
    assert last.chains >= 2 and last.events >= 1
    assert chain_status(tenant_a).status == Status.PASS
    assert chain_status(None).figures["broken_chains"] == 0


def test_one_chain_only_records_nothing(tenant_a):
    call_command("verify_audit_chain", "--chain", str(tenant_a.pk), stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert not ChainVerification.objects.exists()


def test_a_broken_chain_fails_that_business_and_the_platform_but_not_another_business(tenant_a, tenant_b):
    ChainVerification.objects.create(
        verified_at=timezone.now(), chains=3, events=10, ok=False, broken_chains=[str(tenant_a.pk)],
        first_problem=f"chain tenant {tenant_a.pk}: BROKEN at seq 2",
    )  # fmt: skip
    assert chain_status(tenant_a).status == Status.FAIL
    assert chain_status(tenant_b).status == Status.PASS
    assert chain_status(None).status == Status.FAIL
    assert chain_evidence(tenant_b).rows[0][2:] == ("intact", "")
    assert chain_evidence(tenant_a).rows[0][2] == "broken"
    assert "BROKEN" in chain_evidence(None).rows[0][3]


def test_an_old_verification_warns(settings):
    settings.AUDIT_CHAIN_MAX_AGE_HOURS = 3
    ChainVerification.objects.create(verified_at=timezone.now() - timedelta(hours=5), chains=1, events=0, ok=True)
    result = chain_status(None)
    assert result.status == Status.WARN
    assert result.figures["age_hours"] == 5.0


def test_the_beat_service_records_a_verification():
    assert verify_and_record_chains().ok
    assert ChainVerification.objects.get().trigger == "beat"


def _backup(hours_ago: float, kind: str = BackupKind.PG_INCR) -> Backup:
    at = timezone.now() - timedelta(hours=hours_ago)
    return Backup.objects.create(kind=kind, status=BackupStatus.SUCCEEDED, started_at=at, finished_at=at)


def _drill(days_ago: float) -> RestoreDrill:
    at = timezone.now() - timedelta(days=days_ago)
    return RestoreDrill.objects.create(
        trigger="schedule", kind="latest", status="passed", started_at=at, finished_at=at
    )


def test_backup_status_from_the_catalog_and_drills(settings, tenant_a):
    assert get_check("backups.status").compute is backup_status  # registered by the backups app
    settings.BACKUP_ENABLED = False
    assert backup_status(None).status == Status.WARN
    settings.BACKUP_ENABLED = True
    assert backup_status(None).status == Status.FAIL
    _backup(hours_ago=30)
    stale = backup_status(None)
    assert (stale.status, stale.figures["backup_age_hours"]) == (Status.FAIL, 30.0)
    _backup(hours_ago=1)
    assert backup_status(None).status == Status.WARN  # no drill yet
    _drill(days_ago=2)
    fresh = backup_status(tenant_a)
    assert (fresh.status, fresh.figures["drill_age_days"]) == (Status.PASS, 2.0)
    assert fresh.evidence_url == f"/t/{tenant_a.slug}/settings/data/"
    assert backup_status(None).evidence_url == "/staff/backups/"
    _backup(hours_ago=0.5, kind=BackupKind.DOCUMENTS)  # documents snapshots do not count as a database backup
    assert backup_status(None).figures["backup_age_hours"] == 1.0
