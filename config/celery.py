"""Celery application.

Settings live in config/settings.py under the CELERY_ namespace: JSON only,
late acks with reject-on-worker-lost, prefetch 1, and one queue per kind of
work. With no broker configured, tasks run in-process (the embedded demo).
"""

import os

from celery import Celery
from celery.signals import worker_process_init
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# One OCR thread per worker process (Tesseract inherits this): processes, not threads,
# are how OCR scales here, and threads fight over the cores.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

app = Celery("strongroom")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [Queue(name) for name in ("ocr", "filing", "integrations", "maintenance", "default")]
app.autodiscover_tasks()


@worker_process_init.connect
def _tracing_after_fork(**kwargs) -> None:
    from apps.observability.tracing import configure_tracing

    configure_tracing("strongroom-worker")
