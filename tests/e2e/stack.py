"""Real processes for the system suites: gunicorn (web), a Celery worker and beat, on loopback.

Used by the end-to-end journeys, the visual suite and the integration harness.
Every process runs against the pytest test database as the application role
(row-level security on, as in production) and the Redis databases given in
the environment; each is started in its own process group and stopped (TERM,
then KILL) when the stack stops, whatever happened in between.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Fixed for the run so that every gunicorn worker signs sessions with the same key (never a real secret).
E2E_SECRET_KEY = "e2e-only-not-a-secret-" + "x" * 40
QUEUES = "ocr,filing,integrations,maintenance,default"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def process_env(*, media_root: Path, site_url: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a served process: the test database as the app role, Redis, test settings."""
    from django.conf import settings
    from django.db import connections

    db = connections["default"].settings_dict
    env = {
        **os.environ,
        "STRONGROOM_ENV": "test",
        "SECRET_KEY": E2E_SECRET_KEY,
        "STRONGROOM_MEDIA_ROOT": str(media_root),
        "SITE_URL": site_url,
        "OMP_THREAD_LIMIT": "1",
        "PYTHONUNBUFFERED": "1",
    }
    if db["ENGINE"].endswith("backends.postgresql"):
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        env["DATABASE_URL"] = f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    else:  # SQLite: a file the test process and the server share
        env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
    env.pop("DATABASE_OWNER_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # served processes never hold the owner role
    if settings.CELERY_BROKER_URL:
        env["CELERY_BROKER_URL"] = settings.CELERY_BROKER_URL
    env.update(extra or {})
    return env


@dataclass
class Stack:
    """Processes started for a test session; ``stop()`` ends exactly these."""

    log_dir: Path
    media_root: Path
    web_port: int = field(default_factory=free_port)
    worker_http_port: int = field(default_factory=free_port)
    extra_env: dict[str, str] = field(default_factory=dict)  # settings for every process of this stack
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def _env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        return process_env(media_root=self.media_root, site_url=self.url, extra={**self.extra_env, **(extra or {})})

    def _start(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 (closed with the process)
        proc = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        self.procs[name] = proc
        pidfile = os.environ.get("STRONGROOM_STACK_PIDFILE")
        if pidfile:  # make's trap ends these process groups even if pytest itself is killed
            with open(pidfile, "a") as f:
                f.write(f"{proc.pid}\n")
        return proc

    def start_web(self, *, workers: int = 2) -> None:
        env = self._env({"GUNICORN_BIND": f"127.0.0.1:{self.web_port}", "WEB_CONCURRENCY": str(workers)})
        env["PROMETHEUS_MULTIPROC_DIR"] = str(self.log_dir / "prometheus")
        self._start("web", [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "config.wsgi"], env)
        self.wait_http(f"{self.url}/health/live", "web")

    def start_worker(self) -> None:
        env = self._env({"WORKER_HTTP_PORT": str(self.worker_http_port)})
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", QUEUES, "--pool", "solo"]
        command += ["--concurrency", "1", "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "INFO"]
        self._start("worker", command, env)
        self.wait_http(f"http://127.0.0.1:{self.worker_http_port}/health", "worker", ok_status=(200, 503))

    def start_beat(self) -> None:
        schedule = self.log_dir / "celerybeat-schedule"
        command = [sys.executable, "-m", "celery", "-A", "config", "beat", "-l", "INFO", "-s", str(schedule)]
        self._start("beat", command, self._env())

    def wait_http(self, url: str, name: str, *, timeout: float = 60, ok_status=(200,)) -> None:
        """Poll until the process answers (or died: then show its log)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            proc = self.procs[name]
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}:\n{self.tail(name)}")
            with contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError):
                try:
                    with urllib.request.urlopen(url, timeout=2) as response:  # loopback only
                        status = response.status
                except urllib.error.HTTPError as exc:
                    status = exc.code
                if status in ok_status:
                    return
            time.sleep(0.25)
        raise RuntimeError(f"{name} did not answer {url} within {timeout:.0f} s:\n{self.tail(name)}")

    def tail(self, name: str, lines: int = 40) -> str:
        path = self.log_dir / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else "(no log)"

    def stop(self) -> None:
        for proc in reversed(list(self.procs.values())):
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        self.procs.clear()


@contextlib.contextmanager
def running_stack(log_dir: Path, media_root: Path, *, web: bool = True, worker: bool = False, beat: bool = False,
                  extra_env: dict[str, str] | None = None) -> Iterator[Stack]:  # fmt: skip
    stack = Stack(log_dir=log_dir, media_root=media_root, extra_env=dict(extra_env or {}))
    try:
        if web:
            stack.start_web()
        if worker:
            stack.start_worker()
        if beat:
            stack.start_beat()
        yield stack
    finally:
        stack.stop()
