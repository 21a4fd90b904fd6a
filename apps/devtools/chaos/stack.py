"""The chaos stack: a PostgreSQL cluster, Redis, two fault proxies, gunicorn, two worker pools and beat.

Everything runs on loopback on ports 57400-57499 with its data in one
directory (var/chaos/stack/ by default), never on a shared server: the
experiments kill and restart these processes. Each process is started in its
own session (process group) and recorded in ``stack.json`` so that the
experiment's actions (another process: ``chaos run``) find them, and so that
``stop()`` ends exactly these.

Layout (ports, from CHAOS_PORT_BASE = 57400)::

    PostgreSQL +1      Redis +2  <- proxy +3 (control +4) <- workers, web, beat
    gunicorn   +5      HMRC sandbox at gunicorn <- proxy +6 (control +7) <- workers
    worker health: ocr +8, filing +9
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.conf import settings

from apps.security_center.secrets.backends.local import new_key as new_keystore_key

ROOT = Path(settings.BASE_DIR)
PG_BIN = Path(os.environ.get("CHAOS_PG_BIN", "/usr/lib/postgresql/15/bin"))
CHAOS_SECRET_KEY = "chaos-only-not-a-secret-" + "c" * 40  # fixed so every process shares sessions and KEKs
DB_NAME = "strongroom_chaos"
STORE_MB = 32
# Ten ports from here (CHAOS_PORT_BASE moves the whole stack, e.g. for two stacks on one machine).
PORT_BASE = int(os.environ.get("CHAOS_PORT_BASE", "57400"))
WORKER_POOLS = {
    # name: (queues, concurrency, health port)
    "ocr": ("ocr,default", 2, PORT_BASE + 8),
    "filing": ("filing,integrations,maintenance", 2, PORT_BASE + 9),
}


@dataclass
class Ports:
    postgres: int = PORT_BASE + 1
    redis: int = PORT_BASE + 2
    redis_proxy: int = PORT_BASE + 3
    redis_control: int = PORT_BASE + 4
    web: int = PORT_BASE + 5
    hmrc_proxy: int = PORT_BASE + 6
    hmrc_control: int = PORT_BASE + 7


@dataclass
class StackState:
    """What the actions and probes need to find the stack (written to ``stack.json``)."""

    home: str
    ports: Ports = field(default_factory=Ports)
    pids: dict[str, int] = field(default_factory=dict)
    appendonly: bool = False
    store_mounted: bool = False  # the document store is a small tmpfs of its own (the disk-full experiment)
    # One secrets keystore for every process of the stack (its key made when the stack is): the HMRC client
    # secret and the other third-party keys must be the same in the web process, the workers and the load.
    keystore_key: str = field(default_factory=lambda: new_keystore_key())

    @property
    def path(self) -> Path:
        return Path(self.home) / "stack.json"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports.web}"

    def dsn(self, user: str = "postgres") -> str:
        return f"postgres://{user}@127.0.0.1:{self.ports.postgres}/{DB_NAME}"

    def save(self) -> None:
        self.path.write_text(json.dumps(asdict(self), indent=2))

    @classmethod
    def load(cls, home: str | Path) -> StackState:
        data = json.loads((Path(home) / "stack.json").read_text())
        return cls(home=data["home"], ports=Ports(**data["ports"]), pids=data["pids"], appendonly=data["appendonly"],
                   store_mounted=data.get("store_mounted", False),
                   keystore_key=data.get("keystore_key") or new_keystore_key())  # fmt: skip

    def env(self) -> dict[str, str]:
        """The environment of every served process (and of ``chaos run``, whose load uses Django)."""
        p = self.ports
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "STRONGROOM_ENV": "test",
            "SECRET_KEY": CHAOS_SECRET_KEY,
            "DATABASE_URL": self.dsn("strongroom_app"),
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{p.redis_proxy}/0",
            "CACHE_URL": f"redis://127.0.0.1:{p.redis_proxy}/1",
            "SITE_URL": self.url,
            "HMRC_API_BASE_URL": f"http://127.0.0.1:{p.hmrc_proxy}/sandbox/hmrc",
            "STRONGROOM_MEDIA_ROOT": str(Path(self.home) / "media"),
            # The store is a small tmpfs of its own: readiness turns red only when it is really full.
            "DOCUMENT_STORE_MIN_FREE_BYTES": str(STORE_READY_BYTES),
            "STRONGROOM_CHAOS_HOME": self.home,
            "SECRETS_BACKEND": "local",  # pragma: allowlist secret (a backend name)
            "SECRETS_KEYSTORE_PATH": str(Path(self.home) / "secrets.keystore"),
            "SECRETS_KEYSTORE_KEY": self.keystore_key,
            "OMP_THREAD_LIMIT": "1",
            "PYTHONUNBUFFERED": "1",
        }
        for name in ("DATABASE_OWNER_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "REQUIRE_POSTGRES", "REQUIRE_REDIS",
                     "CELERY_RESULT_BACKEND", "FIELD_ENCRYPTION_KEKS", "PROMETHEUS_MULTIPROC_DIR"):  # fmt: skip
            env.pop(name, None)
        return env


STORE_READY_BYTES = 2 * 1024 * 1024


class ChaosStack:
    """Start, kill, restart and stop the processes of one stack."""

    def __init__(self, state: StackState) -> None:
        self.info = state
        self.home = Path(state.home)
        self.logs = self.home / "logs"

    # --- lifecycle -------------------------------------------------------------------------------------
    @classmethod
    def create(cls, home: Path, *, appendonly: bool = False) -> ChaosStack:
        if home.exists():
            stale = home / "stack.json"
            if stale.exists():
                cls(StackState.load(home)).stop()
            if os.path.ismount(home / "media"):  # never delete through a mount point's contents blindly
                subprocess.run(["umount", "-l", str(home / "media")], check=False)  # noqa: S603,S607
            shutil.rmtree(home)
        (home / "logs").mkdir(parents=True)
        (home / "media").mkdir()
        stack = cls(StackState(home=str(home), appendonly=appendonly))
        stack.info.save()
        return stack

    def start(self) -> None:
        busy = [port for port in asdict(self.info.ports).values() if _listening(port)]
        busy += [port for _, _, port in WORKER_POOLS.values() if _listening(port)]
        if busy:  # a leftover of an earlier run would answer in place of ours and make every result a lie
            raise RuntimeError(f"ports already in use: {busy}; stop what listens there (ss -ltnp) and run again")
        self.start_postgres(init=True)
        self.mount_store()
        self.start_redis()
        self.start_proxy("redis", self.info.ports.redis_proxy, self.info.ports.redis, self.info.ports.redis_control)
        self.migrate()
        self.start_web()
        self.start_proxy("hmrc", self.info.ports.hmrc_proxy, self.info.ports.web, self.info.ports.hmrc_control)
        for pool in WORKER_POOLS:
            self.start_worker(pool)
        self.start_beat()

    def stop(self) -> None:
        """End every process this stack started (TERM, then KILL), and PostgreSQL with pg_ctl."""
        for name, pid in reversed(list(self.info.pids.items())):
            if name != "postgres":
                _signal_group(pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for name, pid in self.info.pids.items():
            while name != "postgres" and _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.2)
            if name != "postgres":
                _signal_group(pid, signal.SIGKILL)
        self.stop_postgres()
        if self.info.store_mounted:
            subprocess.run(["umount", "-l", str(self.media)], check=False, capture_output=True)  # noqa: S603,S607
            self.info.store_mounted = False
        self.info.pids.clear()
        self.info.save()

    # --- the document store -------------------------------------------------------------------------------
    @property
    def media(self) -> Path:
        return self.home / "media"

    def mount_store(self) -> None:
        """A small tmpfs as the document store, so that filling it fills no real disk (root only; without
        it the disk-full experiment fails, saying so)."""
        if os.geteuid() != 0:
            return
        command = ["mount", "-t", "tmpfs", "-o", f"size={STORE_MB}m", "tmpfs", str(self.media)]
        mounted = subprocess.run(command, check=False, capture_output=True)  # noqa: S603 (ours)
        self.info.store_mounted = mounted.returncode == 0
        self.info.save()

    # --- PostgreSQL --------------------------------------------------------------------------------------
    @property
    def pgdata(self) -> Path:
        return self.home / "pgdata"

    def _as_postgres(self, *command: str, check: bool = True) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        # Our own argument lists, never user input.
        return subprocess.run([*prefix, *command], check=check, capture_output=True, text=True, timeout=120)  # noqa: S603

    def start_postgres(self, *, init: bool = False) -> None:
        if init:
            self.pgdata.mkdir(mode=0o700)
            if os.geteuid() == 0:
                shutil.chown(self.pgdata, "postgres", "postgres")
            self._as_postgres(str(PG_BIN / "initdb"), "-D", str(self.pgdata), "-U", "postgres", "-A", "trust",
                              "--no-sync", "-E", "UTF8")  # fmt: skip
        options = f"-p {self.info.ports.postgres} -c listen_addresses=127.0.0.1 -k {self.pgdata} -c fsync=off"
        self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.pgdata), "-o", options, "-l",
                          str(self.pgdata / "server.log"), "-w", "-t", "60", "start")  # fmt: skip
        self.info.pids["postgres"] = int((self.pgdata / "postmaster.pid").read_text().split()[0])
        self.info.save()
        if init:
            env = {**os.environ, "PGHOST": "127.0.0.1", "PGPORT": str(self.info.ports.postgres),
                   "PGUSER": "postgres", "STRONGROOM_DB": DB_NAME}  # fmt: skip
            subprocess.run(["bash", "scripts/pg_roles.sh"], cwd=ROOT, env=env, check=True, capture_output=True)  # noqa: S607

    def stop_postgres(self, mode: str = "fast") -> None:
        if (self.pgdata / "postmaster.pid").exists():
            self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.pgdata), "-m", mode, "-w", "stop", check=False)

    def restart_postgres(self, down_seconds: float = 0.0) -> None:
        self.stop_postgres("fast")
        time.sleep(down_seconds)
        self.start_postgres()

    def migrate(self) -> None:
        env = {**self.info.env(), "DATABASE_OWNER_URL": self.info.dsn("strongroom_owner")}
        command = [sys.executable, "manage.py", "migrate", "--noinput", "--database", "owner"]  # as `make migrate`
        done = subprocess.run(command, cwd=ROOT, env=env,  # noqa: S603 (our own command)
                              capture_output=True, text=True)  # fmt: skip
        if done.returncode:
            raise RuntimeError(f"migrate failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")

    # --- Redis and the proxies -----------------------------------------------------------------------------
    def start_redis(self, *, appendonly: bool | None = None) -> None:
        if appendonly is not None:
            self.info.appendonly = appendonly
        data = self.home / "redis"
        data.mkdir(exist_ok=True)
        aof = "yes" if self.info.appendonly else "no"
        command = ["redis-server", "--port", str(self.info.ports.redis), "--bind", "127.0.0.1", "--dir", str(data),
                   "--appendonly", aof, "--appendfsync", "everysec", "--save", "",
                   "--protected-mode", "yes"]  # fmt: skip
        self._start("redis", command, env=dict(os.environ))
        self._wait_tcp(self.info.ports.redis, "redis")
        time.sleep(0.2)
        if not _alive(self.info.pids["redis"]):  # e.g. the port was taken: something else answered
            raise RuntimeError(f"redis exited:\n{self.tail('redis')}")

    def stop_redis(self) -> None:
        """SIGKILL: a crash, not a polite shutdown (which would write a snapshot on the way out)."""
        _signal_group(self.info.pids.pop("redis", 0), signal.SIGKILL)
        self.info.save()
        time.sleep(0.3)

    def start_proxy(self, name: str, listen: int, target: int, control: int) -> None:
        command = [sys.executable, "-m", "apps.devtools.chaos.proxy", "--listen", str(listen),
                   "--target", f"127.0.0.1:{target}", "--control", str(control)]  # fmt: skip
        self._start(f"proxy-{name}", command, env=dict(os.environ))
        self._wait_tcp(control, f"proxy-{name}")

    # --- Django processes --------------------------------------------------------------------------------------
    def start_web(self) -> None:
        env = {**self.info.env(), "GUNICORN_BIND": f"127.0.0.1:{self.info.ports.web}", "WEB_CONCURRENCY": "3",
               "PROMETHEUS_MULTIPROC_DIR": str(self.home / "prometheus")}  # fmt: skip
        self._start("web", [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "config.wsgi"], env)
        self.wait_http(f"{self.info.url}/health/live", "web")

    def start_worker(self, pool: str) -> None:
        queues, concurrency, port = WORKER_POOLS[pool]
        env = {**self.info.env(), "WORKER_HTTP_PORT": str(port)}
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queues, "-n", f"{pool}@chaos",
                   "--pool", "prefork", "--concurrency", str(concurrency), "--without-gossip", "--without-mingle",
                   "-l", "INFO"]  # fmt: skip
        self._start(f"worker-{pool}", command, env)
        self.wait_http(f"http://127.0.0.1:{port}/health", f"worker-{pool}", ok_status=(200, 503))

    def start_beat(self) -> None:
        schedule = self.home / "celerybeat-schedule"
        command = [sys.executable, "-m", "celery", "-A", "config", "beat", "-l", "INFO", "-s", str(schedule)]
        self._start("beat", command, self.info.env())

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Forget the process first (so the supervisor does not restart it behind the action's back), then kill."""
        pid = self.info.pids.pop(name, 0)
        self.info.save()
        _signal_group(pid, sig)

    def signal_pools(self, sig: int) -> None:
        """SIGSTOP/SIGCONT every worker pool (main processes and children): a backlog builds up while stopped."""
        for name, pid in self.info.pids.items():
            if name.startswith("worker-"):
                _signal_group(pid, sig)

    def supervise_once(self) -> list[str]:
        """What the deployment's restart policy (compose ``restart: unless-stopped``) does: start a dead
        web, worker or beat again. Returns the names restarted (logged to ``restarts.json``)."""
        self.info = StackState.load(self.home)
        restarted = []
        for name in ("web", *(f"worker-{pool}" for pool in WORKER_POOLS), "beat"):
            pid = self.info.pids.get(name)
            if pid and not _alive(pid):
                {"web": self.start_web, "beat": self.start_beat}.get(name, lambda n=name: self.start_worker(n[7:]))()
                restarted.append(name)
        if restarted:
            log = self.home / "restarts.json"
            done = json.loads(log.read_text()) if log.exists() else []
            log.write_text(json.dumps(done + [{"name": n, "at": time.time()} for n in restarted]))
        return restarted

    def worker_children(self, pool: str) -> list[int]:
        """The prefork children of a pool's main process (the processes that run tasks)."""
        pid = self.info.pids.get(f"worker-{pool}", 0)
        path = Path(f"/proc/{pid}/task/{pid}/children")
        return [int(p) for p in path.read_text().split()] if path.exists() else []

    # --- helpers --------------------------------------------------------------------------------------------------
    def _start(self, name: str, command: list[str], env: dict[str, str]) -> None:
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 (closed with the process)
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,  # noqa: S603
                                start_new_session=True)  # fmt: skip
        log.close()
        self.info.pids[name] = proc.pid
        self.info.save()

    def _wait_tcp(self, port: int, name: str, timeout: float = 30) -> None:
        import socket

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                return
            time.sleep(0.1)
        raise RuntimeError(f"{name} is not listening on {port}:\n{self.tail(name)}")

    def wait_http(self, url: str, name: str, *, timeout: float = 90, ok_status=(200,)) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not _alive(self.info.pids.get(name, 0)):
                raise RuntimeError(f"{name} exited:\n{self.tail(name)}")
            with contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError):
                try:
                    with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
                        status = response.status
                except urllib.error.HTTPError as exc:
                    status = exc.code
                if status in ok_status:
                    return
            time.sleep(0.25)
        raise RuntimeError(f"{name} did not answer {url} within {timeout:.0f} s:\n{self.tail(name)}")

    def tail(self, name: str, lines: int = 30) -> str:
        path = self.logs / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else "(no log)"


def _listening(port: int) -> bool:
    import socket

    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True
    return False


def _alive(pid: int) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (our own child, not yet reaped) counts as gone.
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    return False


def _signal_group(pid: int, sig: int) -> None:
    if pid:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, sig)
