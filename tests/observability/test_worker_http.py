"""A worker's /metrics and /health: served by a real worker process, and the stuck-worker verdict."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from apps.observability.worker_http import WorkerState, health

ROOT = Path(__file__).resolve().parents[2]


def test_a_worker_with_nothing_waiting_is_healthy_however_long_it_idles():
    state = WorkerState(started=0, last_received=None)
    assert health(state, {"ocr": 0, "default": 0}, now=10_000, stuck_after=120)[0] == 200


def test_a_worker_that_receives_nothing_while_messages_wait_is_stuck():
    state = WorkerState(started=0, last_received=1_000)
    status, body = health(state, {"ocr": 3, "default": 0}, now=1_500, stuck_after=120)
    assert status == 503 and body["detail"] == "3 message(s) waiting, none received for 500 s"
    assert health(state, {"ocr": 3}, now=1_050, stuck_after=120)[0] == 200, "recently received: it is working"


def test_an_unreachable_broker_is_unhealthy():
    status, body = health(WorkerState(), None, now=0, stuck_after=120)
    assert status == 503 and body["detail"] == "the broker cannot be reached"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.mark.redis
def test_a_real_worker_serves_metrics_and_health(tmp_path):
    port = _free_port()
    queue = f"health-{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CACHE_URL"))}
    env.update(STRONGROOM_ENV="development", STRONGROOM_VAR_DIR=str(tmp_path), WORKER_HTTP_PORT=str(port),
               CELERY_BROKER_URL=settings.CELERY_BROKER_URL)  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue, "--pool", "solo",
         "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, body = _get(f"http://127.0.0.1:{port}/health")
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("the worker's HTTP server did not start")
                time.sleep(0.3)
        assert status == 200 and json.loads(body)["queues"] == {queue: 0}
        status, metrics = _get(f"http://127.0.0.1:{port}/metrics")
        assert status == 200 and "# TYPE strongroom_task_runtime_seconds histogram" in metrics
        assert _get(f"http://127.0.0.1:{port}/nope")[0] == 404
    finally:
        proc.terminate()
        proc.wait(timeout=20)
