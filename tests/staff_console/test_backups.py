"""/staff/backups/: the catalog and drills from the database, the RTO/RPO trend, and "Run drill now" (audited)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.audit.models import PLATFORM_CHAIN, AuditEvent
from apps.backups import presenters
from apps.backups.models import Backup, BackupKind, BackupStatus, DrillStatus, RestoreDrill
from apps.backups.states import move_drill
from apps.core.db_tenant import db_tenant
from tests.factories.permissions import make_staff

pytestmark = pytest.mark.django_db

URL = "/staff/backups/"
RUN = "/staff/backups/drills/run/"


@pytest.fixture
def no_queue(monkeypatch):
    """Drills requested here are recorded but not sent to a broker."""
    sent: list = []
    monkeypatch.setattr("apps.backups.services.drills._enqueue", lambda drill: sent.append(drill.pk))
    return sent


def _finished_drill(*, status: str, rto: float | None, rpo: float | None, hours_ago: float, **extra) -> RestoreDrill:
    drill = RestoreDrill.objects.create(trigger="schedule", kind="latest", backup_label="20261205-010000F")
    at = timezone.now() - timedelta(hours=hours_ago)
    move_drill(drill, "start", changes={"started_at": at - timedelta(minutes=5)})
    event = "pass" if status == DrillStatus.PASSED else "fail"
    move_drill(drill, event, changes={"finished_at": at, "rto_seconds": rto, "rpo_seconds": rpo, **extra})
    return drill


def test_the_catalog_lists_backups_with_sizes_wal_range_and_verification(verified_client, staff_user):
    now = timezone.now()
    Backup.objects.create(
        kind=BackupKind.PG_FULL, label="20261205-010000F", status=BackupStatus.SUCCEEDED,
        started_at=now - timedelta(minutes=9), finished_at=now - timedelta(minutes=4),
        database_bytes=1_073_741_824, repository_bytes=214_748_364,
        wal_start="000000010000000000000012", wal_stop="000000010000000000000014",
        verification="passed", verified_at=now,
    )  # fmt: skip
    Backup.objects.create(
        kind=BackupKind.DOCUMENTS, label="4f9a1c2e", status=BackupStatus.FAILED, started_at=now,
        error="repository locked by another process",
    )  # fmt: skip
    body = verified_client(staff_user).get(URL).content.decode()
    assert "20261205-010000F" in body and "PostgreSQL full" in body
    assert "1.0\xa0GB" in body and "204.8\xa0MB" in body
    assert "000000010000000000000012" in body and "000000010000000000000014" in body
    assert "Passed" in body
    assert "repository locked by another process" in body


def test_drills_show_rto_rpo_phases_checks_and_the_trend(verified_client, staff_user):
    _finished_drill(status=DrillStatus.PASSED, rto=310.0, rpo=20.0, hours_ago=48,
                    phases={"restore": 200.0, "replay": 60.0, "verify": 40.0, "app_ready": 10.0},
                    checks=[{"name": "ledger balances", "passed": True, "detail": ""}])  # fmt: skip
    _finished_drill(
        status=DrillStatus.FAILED,
        rto=1250.0,
        rpo=None,
        hours_ago=1,
        failure_reason="audit chain broken at seq 41",
        checks=[{"name": "audit chain", "passed": False, "detail": "seq 41 hash mismatch"}],
    )
    body = verified_client(staff_user).get(URL).content.decode()
    assert "5 min 10 s" in body and "20 s" in body  # the passed drill's RTO and RPO
    assert "restore 3 min 20 s" in body
    assert "audit chain broken at seq 41" in body and "seq 41 hash mismatch" in body
    assert "20 min 50 s" in body  # the slow drill's RTO, flagged over the 15-minute objective
    trends = body.split('class="drill-trend"')[1:]
    assert [t.split("</svg>")[0].count("<rect ") for t in trends] == [2, 1]  # the failed drill measured no RPO
    assert "Recovery time of the last 2 drill(s)" in body


def test_the_trend_scales_to_the_objective_and_marks_bars_over_it():
    fast = _finished_drill(status=DrillStatus.PASSED, rto=300.0, rpo=5.0, hours_ago=3)
    slow = _finished_drill(status=DrillStatus.PASSED, rto=1800.0, rpo=5.0, hours_ago=1)
    rto = presenters.console()["trends"][0]
    assert [bar.over for bar in rto.bars] == [False, True]  # oldest left
    assert rto.bars[1].height > rto.bars[0].height
    assert 0 < rto.objective_y < rto.height
    assert fast.pk and slow.pk


def test_support_staff_see_the_page_but_cannot_run_a_drill(verified_client, staff_user, no_queue):
    client = verified_client(staff_user)  # the support role
    page = client.get(URL)
    assert page.status_code == 200
    assert "Run drill now" not in page.content.decode()
    assert client.post(RUN).status_code == 403
    assert not RestoreDrill.objects.exists() and no_queue == []


def test_sre_cannot_run_a_drill_either(verified_client, no_queue):
    assert verified_client(make_staff("sre")).post(RUN).status_code == 403
    assert not RestoreDrill.objects.exists()


def test_a_member_of_a_business_is_kept_out(verified_client, owner_a, no_queue):
    client = verified_client(owner_a)
    assert client.get(URL).status_code == 403
    assert client.post(RUN).status_code == 403
    assert not RestoreDrill.objects.exists()


def test_an_unverified_admin_session_cannot_run_a_drill(client, no_queue):
    client.force_login(make_staff("platform_admin"))
    assert client.post(RUN).status_code in {302, 403}  # the console's gate: 2FA first
    assert not RestoreDrill.objects.exists()


@pytest.mark.parametrize("role", ["platform_admin", "security_officer"])
def test_run_drill_now_queues_one_drill_and_audits_it(
    verified_client, role, no_queue, django_capture_on_commit_callbacks
):
    admin = make_staff(role)
    client = verified_client(admin)
    assert "Run drill now" in client.get(URL).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RUN)
    assert response.status_code == 302 and response["Location"] == URL
    drill = RestoreDrill.objects.get()
    assert (drill.status, drill.trigger, drill.requested_by) == (DrillStatus.QUEUED, "manual", admin)
    assert no_queue == [drill.pk]
    with db_tenant(PLATFORM_CHAIN):
        event = AuditEvent.objects.get(action="backups.drill.requested", target_id=str(drill.pk))
    assert event.actor_id == str(admin.pk)
    page = client.get(URL).content.decode()
    assert "Queued" in page and "A drill is already queued or running." in page


def test_a_second_drill_while_one_is_queued_is_a_409_without_a_write(verified_client, no_queue):
    client = verified_client(make_staff("platform_admin"))
    assert client.post(RUN).status_code == 302
    before = RestoreDrill.objects.count()
    response = client.post(RUN)
    assert response.status_code == 409
    assert "already queued or running" in response.content.decode()
    assert RestoreDrill.objects.count() == before == 1


def test_get_on_the_run_url_is_refused(verified_client, no_queue):
    assert verified_client(make_staff("platform_admin")).get(RUN).status_code == 405
    assert not RestoreDrill.objects.exists()


def test_the_nav_links_the_page(verified_client, staff_user):
    assert f'href="{URL}"' in verified_client(staff_user).get("/staff/").content.decode()
