"""Loopback end to end: a filing backlog in a real Strongroom process pages, with its runbook link, in < 120 s.

Runs only in ``make alert-e2e`` (and ``make test-all``), which set ``STRONGROOM_ALERT_E2E=1``; then a
missing binary FAILS the test. It starts, all on 127.0.0.1:

- Strongroom under gunicorn on a fresh SQLite database (the embedded mode), serving /metrics;
- Debian's Prometheus 2.42 scraping it with the production intervals (15 s scrape and evaluation)
  and the committed generated rules (deploy/prometheus/rules/alerts.rules.yml);
- Debian's Alertmanager 0.25 with the production ``group_wait`` (10 s) and a webhook receiver;
- a tiny webhook receiver (http.server) that records when each notification arrives.

The backlog is real: an approved, unsubmitted VAT return projection (the filing app's
``FilingPeriodOverview``, approved 20 minutes ago) is written into the server's database, and the
filing app's own ``filing_backlog()`` selector reports it at the next scrape. The clock starts
when that row is committed and stops when the FilingBacklog page reaches the webhook.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from apps.observability import slos

ROOT = Path(__file__).resolve().parents[2]
LIMIT_SECONDS = 120

CAUSE_BACKLOG = """
import time, datetime
from django.utils import timezone
from apps.accounts.models import User
from apps.tenancy.services import create_tenant
from apps.filing.models import FilingPeriodOverview
owner = User.objects.create_user("backlog-owner@example.invalid", None)
tenant = create_tenant(name="Backlog Test Bakery Ltd", slug="backlog-test-bakery", owner=owner)
today = datetime.date.today()
FilingPeriodOverview.objects.create(
    tenant=tenant, vrn="100000034", period_key="26A1", start=today - datetime.timedelta(days=90),
    end=today - datetime.timedelta(days=30), due=today + datetime.timedelta(days=7), obligation_status="O",
    return_status="approved", approved_at=timezone.now() - datetime.timedelta(minutes=20))
print("COMMITTED", time.time())
"""


def _binary(*names: str) -> str:
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    pytest.fail(f"{' or '.join(names)} not found: apt-get install prometheus prometheus-alertmanager "
                "(make test-system-deps)")  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 2) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read()


def _wait(what: str, condition, timeout: float, procs: dict[str, subprocess.Popen]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for name, proc in procs.items():
            if proc.poll() is not None:
                pytest.fail(f"{name} exited with {proc.returncode} while waiting for {what}")
        try:
            if condition():
                return
        except OSError:
            pass
        time.sleep(0.5)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


class Receiver:
    """Records (arrival time, alert) for every alert in every webhook notification."""

    def __init__(self) -> None:
        self.alerts: list[tuple[float, dict]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                arrived = time.time()
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                receiver.alerts += [(arrived, alert) for alert in body.get("alerts", [])]
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def first(self, alertname: str) -> tuple[float, dict] | None:
        return next(((t, a) for t, a in self.alerts if a["labels"].get("alertname") == alertname
                     and a.get("status") == "firing"), None)  # fmt: skip


def test_filing_backlog_pages_with_its_runbook_within_two_minutes(tmp_path):
    prometheus = _binary("prometheus")
    alertmanager = _binary("prometheus-alertmanager", "alertmanager")
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "DATABASE_OWNER_URL", "CELERY_BROKER_URL", "CACHE_URL",
                        "PROMETHEUS_MULTIPROC_DIR"}}  # fmt: skip
    env.update({"STRONGROOM_ENV": "development", "STRONGROOM_VAR_DIR": str(tmp_path / "var"), "LOG_LEVEL": "WARNING"})
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=600,
                   capture_output=True)  # fmt: skip

    web_port, prom_port, am_port = _free_port(), _free_port(), _free_port()
    receiver = Receiver()
    (tmp_path / "alertmanager.yml").write_text(yaml.safe_dump({
        "route": {"receiver": "webhook", "group_by": ["alertname"], "group_wait": "10s", "group_interval": "1m",
                  "repeat_interval": "1h"},
        "receivers": [{"name": "webhook", "webhook_configs": [{"url": receiver.url, "send_resolved": False}]}],
    }))  # fmt: skip
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump({
        "global": {"scrape_interval": "15s", "evaluation_interval": "15s"},
        "rule_files": [str(ROOT / "deploy" / "prometheus" / "rules" / "alerts.rules.yml")],
        "alerting": {"alertmanagers": [{"static_configs": [{"targets": [f"127.0.0.1:{am_port}"]}]}]},
        "scrape_configs": [{"job_name": "strongroom-web", "metrics_path": "/metrics",
                            "static_configs": [{"targets": [f"127.0.0.1:{web_port}"]}]}],
    }))  # fmt: skip

    procs: dict[str, subprocess.Popen] = {}
    logs = {name: open(tmp_path / f"{name}.log", "wb") for name in ("web", "prometheus", "alertmanager")}  # noqa: SIM115
    try:
        procs["web"] = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "-w", "1", "-b", f"127.0.0.1:{web_port}"],
            cwd=ROOT, env=env, stdout=logs["web"], stderr=subprocess.STDOUT)  # fmt: skip
        procs["alertmanager"] = subprocess.Popen(
            [alertmanager, f"--config.file={tmp_path / 'alertmanager.yml'}", f"--storage.path={tmp_path / 'am'}",
             f"--web.listen-address=127.0.0.1:{am_port}", "--cluster.listen-address="],
            stdout=logs["alertmanager"], stderr=subprocess.STDOUT)  # fmt: skip
        procs["prometheus"] = subprocess.Popen(
            [prometheus, f"--config.file={tmp_path / 'prometheus.yml'}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
             f"--web.listen-address=127.0.0.1:{prom_port}"],
            stdout=logs["prometheus"], stderr=subprocess.STDOUT)  # fmt: skip

        _wait("the web process's /metrics", lambda: b"strongroom_" in _get(f"http://127.0.0.1:{web_port}/metrics"),
              60, procs)  # fmt: skip
        up = f"http://127.0.0.1:{prom_port}/api/v1/query?query=up"

        def scraped() -> bool:
            result = json.loads(_get(up))["data"]["result"]
            return any(r["value"][1] == "1" for r in result)

        _wait("Prometheus to scrape Strongroom", scraped, 60, procs)
        metrics = _get(f"http://127.0.0.1:{web_port}/metrics").decode()
        assert "strongroom_filing_backlog_returns 0.0" in metrics, "no backlog before the fault"
        assert receiver.first("FilingBacklog") is None

        shell = subprocess.run([*manage, "shell", "-c", CAUSE_BACKLOG], cwd=ROOT, env=env, capture_output=True,
                               text=True, timeout=120, check=True)  # fmt: skip
        fault_at = float(shell.stdout.split("COMMITTED")[1].split()[0])
        assert "strongroom_filing_backlog_returns 1.0" in _get(f"http://127.0.0.1:{web_port}/metrics").decode()

        _wait("the FilingBacklog page at the webhook", lambda: receiver.first("FilingBacklog") is not None,
              LIMIT_SECONDS + 60, procs)  # fmt: skip
        arrived, alert = receiver.first("FilingBacklog")
        elapsed = arrived - fault_at
        print(f"\nFilingBacklog page delivered {elapsed:.1f} s after the backlog was committed "
              f"(limit {LIMIT_SECONDS} s; scrape 15 s, evaluation 15 s, for 1m, group_wait 10 s)")  # fmt: skip
        assert alert["labels"]["severity"] == "page"
        assert alert["annotations"]["runbook_url"] == slos.RUNBOOK_BASE_URL + "filing-backlog.md"
        assert (ROOT / "docs" / "runbooks" / "filing-backlog.md").exists()
        assert elapsed < LIMIT_SECONDS, f"the page took {elapsed:.1f} s (limit {LIMIT_SECONDS} s)"
    finally:
        for proc in procs.values():
            proc.terminate()
        for proc in procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        for log in logs.values():
            log.close()
        receiver.server.shutdown()
