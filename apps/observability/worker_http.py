"""``/metrics`` and ``/health`` for a Celery worker, on a small HTTP server in the worker's main process.

Started when the worker is ready, if ``WORKER_HTTP_PORT`` is set (one port per
worker process group). Health tells a worker that consumes from a stuck one:
it is unhealthy when messages wait in its queues but it has received none for
``WORKER_STUCK_AFTER_SECONDS``, or when its broker cannot be reached.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from apps.observability.metrics import QUEUES


@dataclass
class WorkerState:
    started: float = field(default_factory=time.time)
    last_received: float | None = None
    queues: tuple[str, ...] = QUEUES


STATE = WorkerState()


def note_received(**kwargs) -> None:
    STATE.last_received = time.time()


def queue_depths(queues: tuple[str, ...]) -> dict[str, int]:
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=1, socket_connect_timeout=1)
    return {queue: int(client.llen(queue)) for queue in queues}


def health(state: WorkerState, depths: dict[str, int] | None, *, now: float, stuck_after: float) -> tuple[int, dict]:
    """The verdict and its reasons; ``depths`` None means the broker could not be read."""
    idle = now - (state.last_received or state.started)
    body = {"queues": depths, "seconds_since_last_message": round(idle, 1)}
    if depths is None:
        return 503, {**body, "status": "error", "detail": "the broker cannot be reached"}
    waiting = sum(depths.values())
    if waiting and idle > stuck_after:
        return 503, {
            **body,
            "status": "error",
            "detail": f"{waiting} message(s) waiting, none received for {idle:.0f} s",
        }
    return 200, {**body, "status": "ok"}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/metrics":
            from prometheus_client import (
                CONTENT_TYPE_LATEST,
                REGISTRY,
                CollectorRegistry,
                generate_latest,
                multiprocess,
            )

            registry = REGISTRY
            if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
                registry = CollectorRegistry()
                multiprocess.MultiProcessCollector(registry)
            try:
                body = generate_latest(registry)
            finally:
                from django.db import connections

                connections.close_all()  # this thread's connections (scrape-time collectors): one thread per request
            self._send(200, body, CONTENT_TYPE_LATEST)
        elif self.path == "/health":
            try:
                depths = queue_depths(STATE.queues)
            except Exception:  # any broker failure is the health answer, not a crash
                depths = None
            stuck_after = float(os.environ.get("WORKER_STUCK_AFTER_SECONDS", "120"))
            status, body = health(STATE, depths, now=time.time(), stuck_after=stuck_after)
            self._send(status, json.dumps(body).encode(), "application/json")
        else:
            self._send(404, b"not found", "text/plain")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:  # scrapes every 15 s would drown the worker's log
        return


def start_server(sender=None, **kwargs) -> None:
    port = os.environ.get("WORKER_HTTP_PORT")
    if not port:
        return
    consumer_queues = getattr(getattr(getattr(sender, "app", None), "amqp", None), "queues", None)
    if consumer_queues is not None:
        STATE.queues = tuple(consumer_queues.consume_from or consumer_queues) or QUEUES
    server = ThreadingHTTPServer((os.environ.get("WORKER_HTTP_BIND", "127.0.0.1"), int(port)), _Handler)
    threading.Thread(target=server.serve_forever, name="worker-http", daemon=True).start()


def connect_worker_signals() -> None:
    from celery.signals import task_received, worker_ready

    task_received.connect(note_received, weak=False, dispatch_uid="strongroom.worker_received")
    worker_ready.connect(start_server, weak=False, dispatch_uid="strongroom.worker_http")
