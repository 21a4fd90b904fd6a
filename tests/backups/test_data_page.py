"""Settings → Data & backups: real facts from the configuration and the catalog, for owners and accountants only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from apps.backups import presenters
from apps.backups.models import Backup, BackupKind, BackupStatus, RestoreDrill
from apps.backups.states import move_drill
from apps.tenancy.models import Role
from tests.conftest import make_member

pytestmark = pytest.mark.django_db


def _url(tenant) -> str:
    return reverse("backups:data", kwargs={"tenant_slug": tenant.slug})


def _passed_drill(*, rto: float, rpo: float, hours_ago: float = 1) -> RestoreDrill:
    drill = RestoreDrill.objects.create(trigger="schedule", kind="latest")
    at = timezone.now() - timedelta(hours=hours_ago)
    move_drill(drill, "start", changes={"started_at": at - timedelta(seconds=rto)})
    move_drill(drill, "pass", changes={"finished_at": at, "rto_seconds": rto, "rpo_seconds": rpo})
    return drill


def test_the_owner_sees_where_the_data_lives_from_the_configuration(verified_client, owner_a, tenant_a, settings):
    settings.RESTIC_REPOSITORY = "s3:https://KEYID:SECRET@objects.example.test/strongroom-docs"
    body = verified_client(owner_a).get(_url(tenant_a)).content.decode()
    assert f"<code>{escape(settings.DATABASES['default']['NAME'])}</code>" in body
    assert f"<code>{escape(settings.MEDIA_ROOT)}</code>" in body  # the filesystem storage's real location
    assert "<code>s3:https://objects.example.test/strongroom-docs</code>" in body
    assert "SECRET" not in body and "KEYID" not in body
    assert "data residency" not in body.lower()  # decision 0021: no region that does nothing


def test_the_last_backup_and_drill_are_shown_with_measured_figures(verified_client, owner_a, tenant_a):
    finished = timezone.now() - timedelta(hours=2)
    Backup.objects.create(
        kind=BackupKind.PG_FULL, label="20261205-010000F", status=BackupStatus.SUCCEEDED,
        started_at=finished - timedelta(minutes=3), finished_at=finished, database_bytes=1_500_000_000,
    )  # fmt: skip
    Backup.objects.create(
        kind=BackupKind.PG_INCR, label="newer-but-failed", status=BackupStatus.FAILED, started_at=timezone.now()
    )
    _passed_drill(rto=754.0, rpo=12.0)
    body = verified_client(owner_a).get(_url(tenant_a)).content.decode()
    assert timezone.localtime(finished).strftime("%-d %b %Y, %H:%M") in body
    assert "PostgreSQL full, 1.4\xa0GB" in body
    assert "12 min 34 s" in body and "12 s" in body
    assert "Back within 15 min, losing at most 1 min of changes." in body


def test_nothing_yet_is_said_plainly(verified_client, owner_a, tenant_a):
    body = verified_client(owner_a).get(_url(tenant_a)).content.decode()
    assert body.count("None yet") == 3  # database backup, documents backup, passed drill


def test_on_sqlite_it_says_pitr_is_a_postgresql_feature(verified_client, owner_a, tenant_a, monkeypatch):
    """Runs on both databases: the facts say SQLite whichever database the suite runs on."""
    from apps.backups import selectors

    real = selectors.storage_facts

    def on_sqlite() -> dict:
        facts = real()
        return {**facts, "database": {**facts["database"], "engine": "sqlite"}, "pitr_available": False}

    monkeypatch.setattr(selectors, "storage_facts", on_sqlite)
    body = verified_client(owner_a).get(_url(tenant_a)).content.decode()
    assert "Point-in-time recovery is a PostgreSQL feature" in body
    assert "SQLite" in body


@pytest.mark.postgres
def test_on_postgresql_it_shows_the_recoverable_window(verified_client, owner_a, tenant_a):
    oldest = timezone.now() - timedelta(days=6)
    Backup.objects.create(
        kind=BackupKind.PG_FULL, label="old", status=BackupStatus.SUCCEEDED,
        started_at=oldest - timedelta(minutes=2), finished_at=oldest,
    )  # fmt: skip
    body = verified_client(owner_a).get(_url(tenant_a)).content.decode()
    assert "Point-in-time recovery is a PostgreSQL feature" not in body
    assert f"Any moment from {timezone.localtime(oldest).strftime('%-d %b %Y, %H:%M')}" in body


@pytest.mark.parametrize(("role", "status"), [(Role.ACCOUNTANT, 200), (Role.BOOKKEEPER, 403), (Role.VIEWER, 403)])
def test_only_owners_and_accountants_may_look(verified_client, tenant_a, role, status):
    assert verified_client(make_member(tenant_a, role)).get(_url(tenant_a)).status_code == status


def test_another_business_member_is_refused(verified_client, bookkeeper_b, tenant_a):
    assert verified_client(bookkeeper_b).get(_url(tenant_a)).status_code in {403, 404}


def test_the_settings_page_links_it_for_those_allowed(verified_client, owner_a, bookkeeper_a, tenant_a):
    settings_url = reverse("tenancy:settings", kwargs={"tenant_slug": tenant_a.slug})
    assert _url(tenant_a) in verified_client(owner_a).get(settings_url).content.decode()
    assert _url(tenant_a) not in verified_client(bookkeeper_a).get(settings_url).content.decode()


def test_post_is_refused(verified_client, owner_a, tenant_a):
    assert verified_client(owner_a).post(_url(tenant_a)).status_code == 405


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(None, "not measured"), (4.25, "4.2 s"), (42, "42 s"), (60, "1 min"), (754.4, "12 min 34 s"), (3900, "1 h 5 min")],
)
def test_durations_read_as_words(seconds, words):
    assert presenters.duration(seconds) == words
