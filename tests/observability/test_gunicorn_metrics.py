"""Under gunicorn with several workers, /metrics adds up what every worker process counted."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # real gunicorn processes: the slow tier

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read().decode()


def _sample(text: str, name: str, **labels) -> float:
    wanted = {f'{k}="{v}"' for k, v in labels.items()}
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + "{") and wanted <= set(line[len(name) + 1 : line.index("}")].split(",")):
            total += float(line.rsplit(" ", 1)[1])
    return total


@pytest.fixture
def gunicorn(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CELERY_", "CACHE_URL"))}
    env.update(
        STRONGROOM_ENV="development",
        STRONGROOM_VAR_DIR=str(tmp_path / "var"),
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prom"),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
    )
    (tmp_path / "prom").mkdir()
    (tmp_path / "prom" / "stale_from_a_previous_run.db").write_bytes(b"x")
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "config.wsgi"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if _get(f"{base}/health/live")[0] == 200:
                break
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                pytest.fail("gunicorn did not start")
            time.sleep(0.3)
    try:
        yield base, tmp_path / "prom", 1  # one successful poll counted so far
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_metrics_are_the_sum_over_gunicorn_workers(gunicorn):
    base, prom_dir, counted = gunicorn
    for _ in range(30):
        assert _get(f"{base}/health/live")[0] == 200
    status, text = _get(f"{base}/metrics")
    assert status == 200
    served = _sample(text, "django_http_responses_total_by_status_view_method_total",
                     status="200", view="health:live", method="GET")  # fmt: skip
    assert served == counted + 30
    assert not (prom_dir / "stale_from_a_previous_run.db").exists(), "the directory is wiped when gunicorn starts"
    pids = {p.name.rsplit("_", 1)[-1] for p in prom_dir.glob("*.db")}
    assert len(pids) >= 2, "two worker processes wrote metrics"
    assert "# TYPE strongroom_ocr_duration_seconds histogram" in text
