"""One attempt at a time, a dead attempt taken over, a poison document stopped, stuck work found."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.documents.models import Document, DocumentState, ReconciliationReport, TaskRun
from apps.documents.services import pipeline
from apps.documents.services.reconcile import reconcile_all
from apps.documents.services.storage import store_blob
from tests.factories import DocumentFactory, TaskRunFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(tenant_a):
    document = DocumentFactory(tenant=tenant_a)
    run = TaskRunFactory(tenant=tenant_a, document=document)
    return document, run


def claim(document, run, **kw):
    return pipeline.claim(tenant_id=document.tenant_id, document_id=document.pk, run_id=run.pk, **kw)


def reload(in_tenant, document):
    with in_tenant(document.tenant):
        document.refresh_from_db()
        return document, list(TaskRun.objects.filter(document=document).order_by("queued_at", "attempt"))


def test_a_claim_takes_the_lease_and_starts_the_run(queued, in_tenant):
    document, run = queued
    work = claim(document, run, celery_task_id="t-1", worker="w1")
    assert work is not None and work.run_id == run.pk
    document, runs = reload(in_tenant, document)
    assert (document.state, document.processing_run_id, document.attempts) == (DocumentState.OCR, run.pk, 1)
    assert (runs[0].state, runs[0].worker, runs[0].celery_task_id) == ("started", "w1", "t-1")


def test_a_second_message_for_a_live_attempt_is_skipped(queued, tenant_a, in_tenant):
    document, run = queued
    claim(document, run, celery_task_id="t-1")
    other = TaskRunFactory(tenant=tenant_a, document=document)
    assert claim(document, other, celery_task_id="t-2") is None
    document, runs = reload(in_tenant, document)
    assert document.processing_run_id == run.pk
    assert [r.state for r in runs] == ["started", "skipped"]


def test_the_same_message_again_means_its_worker_died_and_is_taken_over(queued, in_tenant):
    document, run = queued
    claim(document, run, celery_task_id="t-1")
    work = claim(document, run, celery_task_id="t-1")  # redelivered after the worker was killed
    assert work is not None and work.run_id != run.pk
    document, runs = reload(in_tenant, document)
    assert [(r.state, r.attempt) for r in runs] == [("lost", 1), ("started", 2)]
    assert "worker stopped" in runs[0].error
    assert document.processing_run_id == work.run_id and document.attempts == 2


def test_an_outbox_send_after_its_worker_died_takes_the_attempt_over(queued, in_tenant):
    """A new message (the outbox's, with its own task id) marked as a takeover does not wait for the time limit."""
    document, run = queued
    claim(document, run, celery_task_id="t-1")
    work = claim(document, run, celery_task_id="t-2", takeover=True)
    assert work is not None
    document, runs = reload(in_tenant, document)
    assert [(r.state, r.attempt) for r in runs] == [("lost", 1), ("started", 2)]
    assert document.processing_run_id == work.run_id


def test_a_document_that_keeps_killing_workers_stops_with_a_reason(queued, in_tenant, settings):
    settings.DOCUMENT_MAX_ATTEMPTS = 2
    document, run = queued
    for _ in range(2):
        assert claim(document, run, celery_task_id="t-1") is not None  # each delivery's worker dies
    assert claim(document, run, celery_task_id="t-1") is None
    document, runs = reload(in_tenant, document)
    assert document.state == DocumentState.FAILED
    assert "Stopped after 2 attempts" in document.failure_reason
    assert [r.state for r in runs] == ["lost", "lost", "failed"]


def test_finished_documents_are_not_processed_again(tenant_a, in_tenant):
    document = DocumentFactory(tenant=tenant_a, state=DocumentState.POSTED)
    run = TaskRunFactory(tenant=tenant_a, document=document)
    assert claim(document, run) is None
    _, runs = reload(in_tenant, document)
    assert runs[0].state == "skipped"


def test_a_stale_worker_that_lost_its_lease_writes_nothing(queued, in_tenant):
    document, run = queued
    first = claim(document, run, celery_task_id="t-1")
    second = claim(document, run, celery_task_id="t-1")  # taken over
    pipeline.fail(document.tenant_id, first, step="ocr", reason="late failure from the dead worker")
    document, _ = reload(in_tenant, document)
    assert document.state == DocumentState.OCR and document.processing_run_id == second.run_id


def test_reconciliation_requeues_stuck_work_and_reports_missing_and_orphan_files(
    tenant_a, in_tenant, django_capture_on_commit_callbacks
):
    long_ago = timezone.now() - timedelta(hours=2)
    stuck = DocumentFactory(tenant=tenant_a)
    run = TaskRunFactory(tenant=tenant_a, document=stuck)
    claim(stuck, run)
    with in_tenant(tenant_a):
        Document.objects.filter(pk=stuck.pk).update(state_changed_at=long_ago)
        TaskRun.objects.filter(pk=run.pk).update(started_at=long_ago)
    store_blob(stuck.storage_name, b"%PDF-1.4 stuck")
    missing = DocumentFactory(tenant=tenant_a, state=DocumentState.POSTED)
    kept = DocumentFactory(tenant=tenant_a, state=DocumentState.POSTED)
    store_blob(kept.storage_name, b"%PDF-1.4 kept")
    orphan = f"tenants/{tenant_a.pk}/documents/ff/{'f' * 64}.pdf"
    store_blob(orphan, b"%PDF-1.4 orphan")

    with django_capture_on_commit_callbacks() as callbacks:
        report = reconcile_all()

    assert [s["document"] for s in report.stuck] == [str(stuck.pk)]
    assert report.missing_files == [
        {"tenant": str(tenant_a.pk), "document": str(missing.pk), "state": "posted", "action": "reported"}
    ]
    assert report.orphan_files == [{"tenant": str(tenant_a.pk), "name": orphan}]
    assert len(callbacks) == 1, "the stuck document is sent again"
    stuck, runs = reload(in_tenant, stuck)
    assert [r.state for r in runs] == ["lost", "queued"]
    missing, _ = reload(in_tenant, missing)
    assert missing.state == DocumentState.POSTED, "a posted document keeps its state; the report lists it"
    from django.core.files.storage import default_storage

    assert default_storage.exists(orphan), "the reconciliation deletes nothing"
    assert ReconciliationReport.objects.get().as_dict()["orphan_files"] == 1


def test_a_clean_reconciliation(tenant_a):
    report = reconcile_all()
    assert report.clean and report.tenants == 1


def test_an_unexpected_error_fails_the_document_with_a_reference_and_is_raised(queued, in_tenant, monkeypatch):
    from apps.documents.tasks import process_document

    document, run = queued

    def bug(*args, **kwargs):
        raise ZeroDivisionError("a bug in a step")

    monkeypatch.setattr(pipeline, "run_pipeline", bug)
    with pytest.raises(ZeroDivisionError):
        process_document.apply(
            kwargs={"tenant_id": str(document.tenant_id), "document_id": str(document.pk), "run_id": str(run.pk)},
            task_id="task-ref-1",
        ).get()
    document, runs = reload(in_tenant, document)
    assert document.state == DocumentState.FAILED and "reference task-ref-1" in document.failure_reason
    assert "a bug" not in document.failure_reason
    assert [(r.state, r.step) for r in runs] == [("failed", "unexpected")]
