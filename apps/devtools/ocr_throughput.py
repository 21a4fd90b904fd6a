"""OCR throughput of a real Celery worker against bare Tesseract on as many processes (``manage.py bench_ocr``).

Why a real worker: issue #18 measured the worker at 0.68-0.85x bare Tesseract
on the same cores, a figure no in-process loop can show (prefork, the broker,
the outbox, the database and storage are all in it). The documents go in as
users send them: ``upload_document`` in one committed transaction, whose
commit publishes them (outbox) to the OCR queues; the clock runs from that
commit until none of them is still in the pipeline. The bench tenant and its
documents stay in the database (they are committed; a worker in another
process cannot see a transaction that is rolled back). A document-store
identity this run had to claim (none before it) is removed again, marker and
row, so the rolled-back runs that follow (``golden``, upload-to-posted) may
use their temporary stores as before.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from apps.documents.models import IN_PROGRESS, Document, DocumentStoreIdentity
from apps.documents.queueing import OCR_QUEUES
from apps.documents.services.store_identity import MARKER_NAME
from apps.documents.services.upload import upload_document
from apps.ledger.services.accounts import seed_chart_of_accounts
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Tenant

ROOT = Path(settings.BASE_DIR)
READY_TIMEOUT = 90.0  # seconds for the worker to answer a ping
RUN_TIMEOUT = 900.0  # seconds for the documents to leave the pipeline


@dataclass(frozen=True)
class WorkerRun:
    seconds: float
    states: str  # e.g. "posted 15, needs_review 2"


def worker_throughput(cases: Sequence, processes: int) -> WorkerRun:
    """Start a real OCR worker, upload ``cases`` in one commit, and time them until none is in the pipeline."""
    from config.celery import app

    tenant = Tenant.objects.create(name="Hollybush Bakery Ltd", slug=f"bench-ocr-{uuid.uuid4().hex[:10]}",
                                   status=Tenant.Status.ACTIVE)  # fmt: skip
    with tenant_context(tenant):
        seed_chart_of_accounts(tenant)
    claimed_before = DocumentStoreIdentity.objects.exists()
    name = f"bench-ocr-{uuid.uuid4().hex[:6]}@localhost"
    with tempfile.TemporaryDirectory(prefix="bench-ocr-metrics-") as metrics:
        env = {**os.environ, "OMP_THREAD_LIMIT": "1", "PROMETHEUS_MULTIPROC_DIR": metrics}
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", ",".join(OCR_QUEUES), "-n", name,
                   "--pool", "prefork", "--concurrency", str(processes), "--prefetch-multiplier", "1",
                   "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "WARNING"]  # fmt: skip
        worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
        try:
            _wait_ready(app, name, worker)
            with transaction.atomic():
                for case in cases:
                    upload_document(tenant=tenant, content=case.content(), filename=case.file)
                started = time.perf_counter()  # the commit publishes every document
            seconds = _wait_done(tenant, started)
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
            if not claimed_before:
                _unclaim_store()
    with tenant_context(tenant):
        states = Counter(Document.objects.values_list("state", flat=True))
    return WorkerRun(seconds, ", ".join(f"{state} {n}" for state, n in sorted(states.items())))


def bare_throughput(paths: Sequence[Path], processes: int, run: Callable[[Path], float]) -> float:
    """Wall-clock seconds for ``run`` (bare tesseract) over every page, ``processes`` at a time."""
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=processes) as pool:  # each thread waits on its own tesseract process
        list(pool.map(run, paths))
    return time.perf_counter() - started


def _unclaim_store() -> None:
    from django.core.files.storage import default_storage

    DocumentStoreIdentity.objects.all().delete()
    if default_storage.exists(MARKER_NAME):
        default_storage.delete(MARKER_NAME)


def _wait_ready(app, name: str, worker: subprocess.Popen) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise RuntimeError(f"the bench worker exited with {worker.returncode}")
        if app.control.ping(destination=[name], timeout=1.0):
            return
    raise RuntimeError(f"the bench worker did not answer within {READY_TIMEOUT:.0f} s")


def _wait_done(tenant: Tenant, started: float) -> float:
    while time.perf_counter() - started < RUN_TIMEOUT:
        with tenant_context(tenant):
            if not Document.objects.filter(state__in=IN_PROGRESS).exists():
                return time.perf_counter() - started
        time.sleep(0.05)  # a short run (~10 s quiet) must not gain a quarter second of polling
    raise RuntimeError(f"documents still in the pipeline after {RUN_TIMEOUT:.0f} s")
