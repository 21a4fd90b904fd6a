"""Gunicorn for the Strongroom web process: `gunicorn -c deploy/gunicorn.conf.py config.wsgi`.

Prometheus metrics are kept per worker process in PROMETHEUS_MULTIPROC_DIR and
added up at scrape time, so the directory is emptied when the master starts and
a dead worker's files are marked (``child_exit``).

Gunicorn never runs Django's system checks, so ``on_starting`` refuses to
start a production server whose HMRC or proxy settings are missing or
inconsistent (apps/integrations/checks.py) before any worker boots.
"""

import os
import shutil

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
max_requests = 2000
max_requests_jitter = 200
# Only the proxy in front may say what the client's address and scheme were.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = None  # requests are logged by Django, structured, with their request id
errorlog = "-"


def on_starting(server) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.exceptions import ImproperlyConfigured

    from apps.integrations.checks import ensure_production_settings

    try:
        ensure_production_settings()
    except ImproperlyConfigured as error:
        raise SystemExit(str(error)) from error  # gunicorn exits before any worker, saying what to set
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory, exist_ok=True)


def child_exit(server, worker) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def post_fork(server, worker) -> None:
    from apps.observability.tracing import configure_tracing

    configure_tracing("strongroom-web")  # no-op unless OTEL_EXPORTER_OTLP_ENDPOINT is set
