"""The backup alerts agree with the settings the drills and backups run on, and their runbooks lead to docs/dr/."""

from __future__ import annotations

from django.conf import settings

from apps.observability import slos
from tests.helpers import ROOT

BACKUP_ALERTS = {
    "RestoreDrillFailed",
    "RestoreDrillRtoOverObjective",
    "RestoreDrillStale",
    "BackupStale",
    "WalArchivingFailing",
}


def test_the_thresholds_are_the_production_settings():
    assert slos.BACKUP_RTO_OBJECTIVE_SECONDS == settings.BACKUP_RTO_OBJECTIVE_SECONDS
    assert slos.RESTORE_DRILL_MAX_AGE_DAYS == settings.RESTORE_DRILL_MAX_AGE_DAYS  # 35 outside staging
    incremental = settings.CELERY_BEAT_SCHEDULE["backup-pg-incr"]["schedule"]
    assert incremental.hour == set(range(24))  # hourly: BACKUP_MAX_AGE_HOURS (3) is two missed in a row
    assert slos.BACKUP_MAX_AGE_HOURS == 3


def test_each_backup_alert_is_defined_and_its_runbook_points_at_the_dr_runbooks():
    alerts = {a.name: a for a in slos.ALERTS}
    assert set(alerts) >= BACKUP_ALERTS
    for name in BACKUP_ALERTS:
        text = (ROOT / "docs" / "runbooks" / alerts[name].runbook).read_text()
        assert "docs/dr/" in text, name
        for linked in (part.split("`")[0] for part in text.split("`docs/dr/")[1:]):
            assert (ROOT / "docs" / "dr" / linked.split(" ")[0].rstrip(",.)")).is_file(), f"{name}: docs/dr/{linked}"
