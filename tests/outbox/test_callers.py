"""Every dispatch that must happen is an outbox row committed with its cause: uploads, approvals, Send now."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import OperationalError

from apps.documents import tasks as document_tasks
from apps.documents.models import Document, DocumentState, TaskRun
from apps.documents.services.upload import PROCESS_TASK, upload_document
from apps.filing.services import submission
from apps.outbox.models import OutboxItem
from apps.tenancy.context import tenant_context
from tests.documents.samples import image_bytes
from tests.helpers import queued

pytestmark = pytest.mark.django_db


def test_an_upload_commits_its_processing_with_the_document(tenant_a, broker):
    document = upload_document(tenant=tenant_a, content=image_bytes(text="A1"), filename="a1.png").document
    with tenant_context(tenant_a):
        run = TaskRun.objects.get(document=document)
    assert queued(PROCESS_TASK) == [
        {"tenant_id": str(tenant_a.pk), "document_id": str(document.pk), "run_id": str(run.pk)}
    ]


def test_an_upload_that_fails_to_commit_leaves_no_outbox_row(tenant_a, broker, monkeypatch):
    from apps.documents.services import upload

    def broken(**kwargs):
        raise OperationalError("the database went away mid-upload")

    monkeypatch.setattr(upload.TaskRun.objects, "create", broken)
    with pytest.raises(OperationalError):
        upload_document(tenant=tenant_a, content=image_bytes(text="A2"), filename="a2.png")
    assert not OutboxItem.objects.exists()


def test_a_database_error_mid_pipeline_never_fails_the_document(tenant_a, broker, monkeypatch, settings):
    """Issue #17 item 5: the worker raced through documents against a dead database and failed them."""
    from celery.exceptions import Retry

    document = upload_document(tenant=tenant_a, content=image_bytes(text="A3"), filename="a3.png").document
    item = OutboxItem.objects.get(task_name=PROCESS_TASK)
    failed = []
    monkeypatch.setattr(document_tasks.pipeline, "fail", lambda *a, **kw: failed.append(kw))

    def dead_database(tenant, work):
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(document_tasks.pipeline, "run_pipeline", dead_database)
    retried = []
    monkeypatch.setattr(document_tasks.process_document, "retry",
                        lambda **kw: retried.append(kw) or Retry(exc=kw["exc"], when=kw["countdown"]))  # fmt: skip
    with pytest.raises(Retry):
        document_tasks.process_document.apply(kwargs={**item.kwargs, "outbox_id": str(item.pk)}, throw=True).get()
    assert failed == [] and len(retried) == 1
    with tenant_context(tenant_a):
        assert Document.objects.get(pk=document.pk).state != DocumentState.FAILED


def test_the_resume_sweep_picks_a_freshly_approved_return_whose_message_was_lost(tenant_a):
    """Issue #17 item 1: approved, never tried, nothing scheduled: the sweep used to ignore it for ever."""
    from datetime import timedelta

    from django.utils import timezone

    from apps.filing.domain import ReturnStatus
    from apps.filing.models import FilingPeriodOverview

    now = timezone.now()
    common = {"tenant": tenant_a, "vrn": "123456727", "start": date(2025, 1, 1), "end": date(2025, 3, 31),
              "due": date(2025, 5, 7), "obligation_status": "O", "return_status": ReturnStatus.APPROVED}  # fmt: skip
    lost_id, fresh_id = "6f1c2b8e-8f1a-4a59-9a8e-0a9d2f1d6c11", "7f1c2b8e-8f1a-4a59-9a8e-0a9d2f1d6c11"
    five_minutes_ago = now - timedelta(minutes=5)
    FilingPeriodOverview.objects.create(**common, period_key="25A1", return_id=lost_id, approved_at=five_minutes_ago)
    # Approved a moment ago: its task may well be on its way.
    FilingPeriodOverview.objects.create(**common, period_key="25A2", return_id=fresh_id, approved_at=now)
    assert submission.stalled_returns(now=now) == [(str(tenant_a.pk), lost_id)]
