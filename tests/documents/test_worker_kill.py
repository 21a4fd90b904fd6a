"""A worker killed mid-OCR: the document is picked up again and posted at most once.

Real processes: a Celery prefork worker on Redis and the test PostgreSQL
database (as the application role). The pool child running the OCR is sent
SIGKILL, as the kernel's OOM killer would; late acks with
reject-on-worker-lost put the message back, and the next attempt takes the
document over.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from django.db import connections

from apps.documents.models import Document, DocumentState, TaskRun
from apps.documents.services.upload import upload_document
from apps.tenancy.context import tenant_context
from tests.factories import TenantFactory
from tests.helpers import celery_worker

ROOT = Path(__file__).resolve().parents[2]
SCANS = sorted((ROOT / "golden" / "documents").glob("*.jpg"))


def _slow_scan() -> bytes:
    """A three-page scanned TIFF: OCR takes seconds, long enough to kill the worker in the middle."""
    import io

    from PIL import Image

    pages = [Image.open(path).convert("L") for path in SCANS[:3]]
    out = io.BytesIO()
    pages[0].save(out, format="TIFF", save_all=True, append_images=pages[1:], compression="tiff_lzw")
    return out.getvalue()


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, check=False)
    return [int(p) for p in out.stdout.split()]


def _state(tenant, document_id) -> tuple[str, list[str]]:
    connections["default"].close()  # a fresh transaction sees other processes' commits
    with tenant_context(tenant):
        document = Document.objects.get(pk=document_id)
        runs = list(
            TaskRun.objects.filter(document=document).order_by("queued_at", "attempt").values_list("state", flat=True)
        )
    return document.state, runs


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


@pytest.fixture
def prefork_worker(committed_db, media_root):
    with celery_worker(pool="prefork", media_root=media_root) as worker:
        yield worker


@pytest.mark.postgres
@pytest.mark.redis
def test_a_worker_killed_mid_ocr_leaves_the_document_to_be_picked_up_again(prefork_worker, monkeypatch):
    from apps.documents.services import upload as upload_service
    from apps.documents.tasks import process_document

    proc, queue = prefork_worker
    monkeypatch.setattr(upload_service, "enqueue_processing", lambda run: None)
    tenant = TenantFactory(name="Hollybush Bakery Ltd")
    from apps.ledger.services.accounts import seed_chart_of_accounts

    with tenant_context(tenant):
        seed_chart_of_accounts(tenant)
    document = upload_document(tenant=tenant, content=_slow_scan(), filename="three scans.tif").document
    with tenant_context(tenant):
        run = TaskRun.objects.get(document=document)
    process_document.apply_async(
        kwargs={"tenant_id": str(tenant.pk), "document_id": str(document.pk), "run_id": str(run.pk)}, queue=queue
    )

    _wait(lambda: _state(tenant, document.pk)[0] == DocumentState.OCR, 60, "the worker to claim the document")
    child = _wait(lambda: _children(proc.pid), 10, "the pool child")[0]
    os.kill(child, signal.SIGKILL)

    final = _wait(
        lambda: (
            _state(tenant, document.pk)[0] in {DocumentState.POSTED, DocumentState.NEEDS_REVIEW}
            and _state(tenant, document.pk)
        ),
        120,
        "the document to be processed again after the kill",
    )
    state, runs = final
    assert runs[0] == "lost", runs
    assert runs[-1] == "succeeded", runs
    from apps.ledger.models import JournalEntry

    with tenant_context(tenant):
        assert JournalEntry.objects.filter(source_document_id=document.pk).count() <= 1
        if state == DocumentState.POSTED:
            assert JournalEntry.objects.filter(source_document_id=document.pk).count() == 1
