"""Celery application.

Settings live in config/settings.py under the CELERY_ namespace: JSON only,
late acks with reject-on-worker-lost, prefetch 1, and one queue per kind of
work. With no broker configured, tasks run in-process (the embedded demo).
"""

import os

from celery import Celery
from celery.signals import beat_init, celeryd_init, worker_init, worker_process_init, worker_process_shutdown
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# One OCR thread per worker process (Tesseract inherits this): processes, not threads,
# are how OCR scales here, and threads fight over the cores.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")
# A worker's pool processes keep their metrics in files here (prometheus_client's multiprocess mode), read by
# :9808/metrics; the folder must exist before any metric is created, i.e. before Django loads the apps.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

app = Celery("strongroom")
app.config_from_object("django.conf:settings", namespace="CELERY")
# ocr.bulk.*: a tenant's documents past its burst allowance (apps/documents/queueing.py); OCR workers consume all.
OCR_QUEUES = ("ocr", "ocr.bulk.0", "ocr.bulk.1", "ocr.bulk.2", "ocr.bulk.3")
app.conf.task_queues = [Queue(name) for name in (*OCR_QUEUES, "filing", "integrations", "maintenance", "default")]
app.autodiscover_tasks()


@worker_init.connect
def _warm_ocr_before_fork(sender=None, **kwargs) -> None:
    """An OCR worker compiles and imports the reader once, in the parent, so no pool process pays for it on its
    first document (issue #18; apps/documents/services/pipeline.warm_up). Other workers skip it."""
    queues = getattr(getattr(getattr(sender, "app", None), "amqp", None), "queues", None)
    consumed = set(getattr(queues, "consume_from", None) or {})
    if consumed and not consumed & set(OCR_QUEUES):
        return
    from apps.documents.services.pipeline import warm_up

    warm_up()


@worker_process_init.connect
def _tracing_after_fork(**kwargs) -> None:
    from apps.observability.tracing import configure_tracing
    from config.heap import settle_heap

    configure_tracing("strongroom-worker")
    settle_heap(web=False)  # what the pool process inherited stays out of the collector's way (decision 0044)


@worker_process_shutdown.connect
def _metrics_of_a_finished_process(pid=None, **kwargs) -> None:
    """A pool process that ends takes its live gauges with it (its counters and histograms stay counted)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid or os.getpid())


@celeryd_init.connect
@beat_init.connect
def _refuse_bad_production_settings(**kwargs) -> None:
    """Celery never runs Django's system checks: a production worker or beat stops here, before any task, when
    HMRC or proxy settings would send wrong fraud-prevention headers (the message says what to set).
    SystemExit, because Celery logs and ignores ordinary exceptions from signal handlers."""
    from django.core.exceptions import ImproperlyConfigured

    from apps.integrations.checks import ensure_production_settings

    try:
        ensure_production_settings()
    except ImproperlyConfigured as error:
        raise SystemExit(str(error)) from error
