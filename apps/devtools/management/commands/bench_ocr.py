"""manage.py bench_ocr: how fast the pipeline reads, against bare Tesseract on the same pages.

A benchmark, not a test: it prints figures and asserts nothing (these machines
are shared and noisy). The comparison is a ratio measured in the same run:

* OCR per page: the pipeline's recorded time per scanned page of the golden
  set, and ``tesseract <page> stdout --psm 6`` on the very same page image,
  for the scans and, separately, the phone-photo variants (what preprocessing
  costs them);
* throughput with the real worker: a ``celery worker`` process on the OCR
  queues with ``--concurrency`` = cores is fed the scanned documents through
  the real upload service (committed, under a new bench tenant), timed from
  the commit that sends them until the last one has left the pipeline; then
  bare ``tesseract`` on the same page images with as many processes, in the
  same run; the ratio of the two throughputs (issue #18: >= 0.95), in ``--rounds``
  interleaved rounds (median), with the CPU each side used (the worker's
  includes its start-up and its pool);
* upload to posted: one-page receipts through the real upload service and the
  real task in this process (one worker, no broker), in a transaction that is
  rolled back;
* peak memory: the largest Tesseract child and this process.
"""

from __future__ import annotations

import io
import os
import resource
import statistics
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from PIL import Image

from apps.documents import pdfium
from apps.documents.extraction.ocr import DEFAULT_PSM
from apps.documents.extraction.reader import read_document
from apps.documents.models import Document, TaskRun
from apps.documents.services.upload import upload_document
from apps.documents.tasks import process_document
from apps.documents.validation import PDF, inspect_upload
from apps.ledger.services.accounts import seed_chart_of_accounts
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Tenant


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def page_images(content: bytes, content_type: str) -> list[Image.Image]:
    """The page images OCR sees: PDF pages rendered at 300 dpi, image frames as they are."""
    if content_type == PDF:
        return [
            pdfium.render_page(content, i, dpi=300, max_pixels=10**9, grayscale=True).convert("L")
            for i in range(pdfium.page_count(content))
        ]
    image = Image.open(io.BytesIO(content))
    frames = []
    for index in range(getattr(image, "n_frames", 1)):
        image.seek(index)
        frames.append(image.convert("L"))
    return frames


class _Rollback(Exception):
    pass


def _children_cpu() -> float:
    """CPU seconds of every child process reaped so far (Tesseract runs; a worker with its pool)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def bare_tesseract(path: Path) -> float:
    """Seconds of one ``tesseract <page> stdout --psm 6`` (one OCR thread)."""
    started = time.perf_counter()
    subprocess.run(  # noqa: S603
        ["tesseract", str(path), "stdout", "--psm", str(DEFAULT_PSM), "-l", "eng"],  # noqa: S607
        env={**os.environ, "OMP_THREAD_LIMIT": "1"}, capture_output=True, check=True,
    )  # fmt: skip
    return time.perf_counter() - started


class Command(BaseCommand):
    help = "Benchmark OCR and upload-to-posted on the golden set against bare Tesseract."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--processes", type=int, default=os.cpu_count() or 1, help="OCR processes (cores)")
        parser.add_argument("--no-worker", action="store_true", help="skip the real-worker throughput run")
        parser.add_argument("--rounds", type=int, default=3, help="worker and bare throughput rounds, interleaved")

    def handle(self, *args, processes: int = 1, no_worker: bool = False, rounds: int = 3, **options) -> None:
        from golden.cases import load_cases

        cases = [c for c in load_cases(group="good")]
        w = self.stdout.write
        pages: dict[str, list[Path]] = {"scans": [], "photos": []}
        scanned_cases = []
        with tempfile.TemporaryDirectory(prefix="bench-ocr-") as tmp:
            for group in ("scans", "photos"):
                pipeline, bare, ratios = [], [], []
                for case in cases:
                    if ("photo_of" in case.expected.get("about", {})) != (group == "photos"):
                        continue
                    content = case.content()
                    info = inspect_upload(content)
                    extraction = read_document(content, info.content_type, own_names=case.own_names)
                    scanned = [p for p in extraction.pages if p.method == "ocr"]
                    if not scanned:
                        continue
                    scanned_cases.append(case)
                    images = page_images(content, info.content_type)
                    for page in scanned:
                        path = Path(tmp) / f"{uuid.uuid4().hex}.png"
                        images[page.number - 1].save(path, dpi=(300, 300))
                        pages[group].append(path)
                        seconds = bare_tesseract(path)
                        pipeline.append(page.seconds)
                        bare.append(seconds)
                        ratios.append(page.seconds / seconds)
                what = "scanned page" if group == "scans" else "phone-photo page (golden/gen/photo.py)"
                w(f"OCR per {what}, {len(pipeline)} pages of the golden set (psm {DEFAULT_PSM}, OMP_THREAD_LIMIT=1):")
                w(f"  pipeline         median {statistics.median(pipeline):.2f} s   p95 {p95(pipeline):.2f} s")
                w(f"  bare tesseract   median {statistics.median(bare):.2f} s   p95 {p95(bare):.2f} s")
                w(
                    f"  ratio pipeline / bare, per page: median {statistics.median(ratios):.2f}×   "
                    f"p95 {p95(ratios):.2f}×"
                )
                w(f"  ratio of the medians: {statistics.median(pipeline) / statistics.median(bare):.2f}×")
            if not no_worker:
                self._throughput([c for c in scanned_cases if "photo_of" not in c.expected.get("about", {})],
                                 pages["scans"], processes, max(1, rounds))  # fmt: skip
        posted = self._upload_to_posted(cases)
        child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        for label, timings in posted.items():
            if timings:
                w(f"Upload to posted, one-page receipts, {label} (in-process, one worker, n={len(timings)}):")
                w(f"  median {statistics.median(timings):.2f} s   p95 {p95(timings):.2f} s   max {max(timings):.2f} s")
        w(f"Peak memory: largest OCR child (tesseract) {child:.0f} MB; this process {own:.0f} MB")

    def _throughput(self, cases, page_paths: list[Path], processes: int, rounds: int) -> None:
        """Worker and bare rounds interleaved (W B, B W, ...): on a shared machine the load drifts, so each
        round's ratio compares two runs minutes apart at most, and the median ratio is the figure."""
        from apps.devtools.ocr_throughput import bare_throughput, worker_throughput

        w = self.stdout.write
        if not settings.CELERY_BROKER_URL:
            w("Throughput with the real worker: skipped (no CELERY_BROKER_URL: a worker needs Redis).")
            return
        pages = len(page_paths)
        w(f"Throughput, {len(cases)} scanned documents ({pages} pages), {processes} processes, {os.cpu_count()} cores, "
          f"{rounds} rounds (worker = real celery worker, -Q ocr…, --concurrency {processes}, upload → left the "
          "pipeline; bare = tesseract on the same page images, as many processes):")  # fmt: skip
        ratios, cpu_ratios = [], []
        for number in range(rounds):
            order = ("worker", "bare") if number % 2 == 0 else ("bare", "worker")
            seconds, cpu = {}, {}
            for which in order:
                before = _children_cpu()
                if which == "worker":
                    run = worker_throughput(cases, processes)
                    seconds[which], states = run.seconds, run.states
                else:
                    seconds[which] = bare_throughput(page_paths, processes, bare_tesseract)
                cpu[which] = _children_cpu() - before  # the worker's: its pool and Tesseract, reaped with it
            ratios.append(seconds["bare"] / seconds["worker"])
            cpu_ratios.append(cpu["bare"] / cpu["worker"])
            w(
                f"  round {number + 1}: worker {seconds['worker']:.1f} s = {60 * pages / seconds['worker']:.0f} "
                f"pages/min ({states}); bare {seconds['bare']:.1f} s = {60 * pages / seconds['bare']:.0f} pages/min; "
                f"ratio {ratios[-1]:.2f}×; CPU worker {cpu['worker']:.1f} s, bare {cpu['bare']:.1f} s "
                f"(bare / worker {cpu_ratios[-1]:.2f}×)"
            )
        w(
            f"  ratio worker / bare throughput: median {statistics.median(ratios):.2f}× of {rounds} "
            f"(range {min(ratios):.2f}-{max(ratios):.2f}; target ≥ 0.95); CPU bare / worker: median "
            f"{statistics.median(cpu_ratios):.2f}×"
        )

    def _upload_to_posted(self, cases) -> dict[str, list[float]]:

        receipts = [c for c in cases if c.expected["extraction"].get("kind") == "receipt"]
        timings: dict[str, list[float]] = {"scanned": [], "born-digital": []}
        with tempfile.TemporaryDirectory() as media, override_settings(MEDIA_ROOT=media):
            try:
                with transaction.atomic():
                    tenant = Tenant.objects.create(name="Hollybush Bakery Ltd", slug=f"bench-{uuid.uuid4().hex[:10]}",
                                                   status=Tenant.Status.ACTIVE)  # fmt: skip
                    with tenant_context(tenant):
                        seed_chart_of_accounts(tenant)
                    for case in receipts:
                        content = case.content()
                        info = inspect_upload(content)
                        if info.pages != 1:
                            continue
                        label = "born-digital" if info.content_type == PDF and b"/Font" in content else "scanned"
                        started = time.perf_counter()
                        document = upload_document(tenant=tenant, content=content, filename=case.file).document
                        with tenant_context(tenant):
                            run = TaskRun.objects.get(document=document)
                        process_document.apply(kwargs={"tenant_id": str(tenant.pk), "document_id": str(document.pk),
                                                       "run_id": str(run.pk)})  # fmt: skip
                        with tenant_context(tenant):
                            state = Document.objects.get(pk=document.pk).state
                        if state == "posted":
                            timings[label].append(time.perf_counter() - started)
                    raise _Rollback
            except _Rollback:
                pass
        return timings
