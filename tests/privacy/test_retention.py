"""The retention job: dry run first (counts only), then deletion per category; ledger and audit only reported."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from apps.documents.models import Document, DocumentState
from apps.monitors.synthetic import SYNTHETIC_TENANT_SLUG
from apps.observability.models import SyntheticRun
from apps.privacy import store
from apps.privacy.models import PrivacyRequest, RetentionRun
from apps.privacy.policies import (
    CATEGORIES,
    accounting_period_end,
    policies,
    statutory_cutoff,
    statutory_retain_until,
)
from apps.privacy.services.retention import run_retention
from tests.factories import DocumentFactory, TenantFactory
from tests.factories.books import sale
from tests.helpers import audit_events

pytestmark = pytest.mark.django_db
OLD = date(2015, 3, 1)  # retained until 2022-02-28: long past


def test_statutory_retention_is_six_years_after_the_accounting_period(settings):
    assert accounting_period_end(date(2020, 4, 6)) == date(2021, 4, 5)
    assert statutory_retain_until(date(2020, 4, 6)) == date(2027, 4, 5)
    assert statutory_retain_until(date(2020, 2, 29)) == date(2027, 2, 27)
    cutoff = statutory_cutoff(date(2027, 4, 6))
    assert statutory_retain_until(cutoff) >= date(2027, 4, 6) > statutory_retain_until(cutoff - timedelta(days=1))
    settings.PRIVACY_STATUTORY_YEARS = 3  # the statute is a floor
    assert statutory_retain_until(date(2020, 4, 6)) == date(2027, 4, 5)
    assert tuple(p.category for p in policies()) == CATEGORIES


def _plant(tenant, in_tenant, owner, now):
    """One of each thing past its period in ``tenant`` and one of each still within it."""
    with in_tenant(tenant):
        old_doc = DocumentFactory(tenant=tenant, state=DocumentState.POSTED, received_on=OLD)
        default_storage.save(old_doc.storage_name, io.BytesIO(b"old"))
        DocumentFactory(tenant=tenant, state=DocumentState.POSTED, received_on=date.today())
        failed = DocumentFactory(tenant=tenant, state=DocumentState.REJECTED)
        Document.objects.filter(pk=failed.pk).update(state_changed_at=now - timedelta(days=200))
        DocumentFactory(tenant=tenant, state=DocumentState.FAILED)  # set aside today: kept
        sale(OLD, "10.00", "2.00", actor=owner)
    Session.objects.create(session_key="x" * 32, session_data="", expire_date=now - timedelta(days=1))
    Session.objects.create(session_key="y" * 32, session_data="", expire_date=now + timedelta(days=1))
    return old_doc


def test_a_dry_run_counts_and_deletes_nothing_then_an_applied_run_deletes_what_is_due(
    tenant_a, owner_a, books_a, in_tenant, settings, django_capture_on_commit_callbacks
):
    now = timezone.now()
    old_doc = _plant(tenant_a, in_tenant, owner_a, now)
    dry = run_retention(triggered_by="test")
    assert dry.dry_run is True  # PRIVACY_RETENTION_ENABLED is off by default
    assert dry.counts["documents"]["due"] == 1 and dry.counts["documents"]["deleted"] == 0
    assert dry.counts["failed_uploads"]["due"] == 1
    assert dry.counts["sessions"]["due"] == 1
    assert dry.counts["ledger_filings"]["due"] >= 1 and dry.counts["ledger_filings"]["kept"] >= 1
    with in_tenant(tenant_a):
        assert Document.objects.count() == 4
    assert Session.objects.count() == 2

    settings.PRIVACY_RETENTION_ENABLED = True
    with django_capture_on_commit_callbacks(execute=True):
        applied = run_retention(triggered_by="test")
    assert applied.dry_run is False
    assert applied.counts["documents"]["deleted"] == 1 and applied.counts["failed_uploads"]["deleted"] == 1
    assert applied.counts["sessions"]["deleted"] == 1
    with in_tenant(tenant_a):
        assert Document.objects.count() == 2 and not Document.objects.filter(pk=old_doc.pk).exists()
        assert old_doc.journal_entry_id is None
    assert not default_storage.exists(old_doc.storage_name)
    assert Session.objects.count() == 1
    events = [e for e in audit_events() if e.action == "privacy.retention.ran"]
    assert len(events) == 2
    assert json.loads(events[-1].body)["after"]["counts"]["documents"] == {"due": 1, "deleted": 1, "kept": 0}
    assert RetentionRun.objects.count() == 2


def test_the_synthetic_business_is_trimmed_to_days(in_tenant, owner_a, settings):
    synthetic = TenantFactory(slug=SYNTHETIC_TENANT_SLUG, name="Synthetic Monitor Ltd (fictitious)")
    assert settings.PRIVACY_SYNTHETIC_TENANT_SLUG == SYNTHETIC_TENANT_SLUG
    now = timezone.now()
    with in_tenant(synthetic):
        old = DocumentFactory(tenant=synthetic, state=DocumentState.POSTED)
        Document.objects.filter(pk=old.pk).update(uploaded_at=now - timedelta(days=30))
        DocumentFactory(tenant=synthetic, state=DocumentState.POSTED)
    SyntheticRun.objects.create(check_name="upload", ok=True, duration_seconds=1, at=now - timedelta(days=30))
    SyntheticRun.objects.create(check_name="upload", ok=True, duration_seconds=1, at=now)
    run = run_retention(dry_run=False, triggered_by="test")
    assert run.counts["synthetic"]["due"] == 2 and run.counts["synthetic"]["deleted"] == 2
    assert run.counts["documents"]["due"] == 0  # the synthetic business is not under the statutory rule
    with in_tenant(synthetic):
        assert Document.objects.count() == 1
    assert SyntheticRun.objects.count() == 1


def test_old_exports_are_deleted(tenant_a, owner_a):
    store.write_export("old.zip", b"zip")
    request = PrivacyRequest.objects.create(
        kind="access", subject="business", subject_tenant=tenant_a, requested_by=owner_a, status="ready",
        due_at=timezone.now(), completed_at=timezone.now() - timedelta(days=30), export_name="old.zip",
        link_token_hash="abc",
    )  # fmt: skip
    run = run_retention(dry_run=False, triggered_by="test")
    assert run.counts["exports"] == {"due": 1, "deleted": 1, "kept": 0, "note": ""}
    request.refresh_from_db()
    assert request.status == "expired" and request.link_token_hash == "" and request.export_deleted_at
    assert not store.export_path("old.zip").exists()


def test_the_command_runs_it_by_hand(tenant_a):
    out = io.StringIO()
    call_command("run_retention", "--dry-run", stdout=out)
    assert "(dry run)" in out.getvalue() and "documents" in out.getvalue()
    call_command("run_retention", "--apply", stdout=out)
    assert "(applied)" in out.getvalue()
    assert list(RetentionRun.objects.values_list("triggered_by", flat=True)) == ["command", "command"]


def test_the_beat_task_is_scheduled_and_runs(settings):
    from apps.privacy.tasks import privacy_retention

    assert settings.CELERY_BEAT_SCHEDULE["privacy-retention"]["task"] == "maintenance.privacy_retention"
    run_id = privacy_retention.apply().get()
    assert RetentionRun.objects.get(pk=run_id).triggered_by == "beat"
