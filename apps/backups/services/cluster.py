"""A PostgreSQL cluster restored from the repository: started on a private socket, promoted, measured, removed.

Used by the drills (a scratch cluster, always removed) and by ``backup_restore`` (a cluster kept for
staging or recovery). Everything that touches the data directory runs as the database's OS user.

Why poll after ``pg_ctl -w start``: it reports "server started" as soon as connections are accepted
during recovery, even when recovery later stops with "recovery ended before configured recovery
target was reached". Promotion is real only when ``pg_is_in_recovery()`` is false, and the log says
why when it is not.
"""

from __future__ import annotations

import contextlib
import getpass
import re
import shutil
import socket
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import psycopg
from django.conf import settings
from django.db import connection
from django.utils.dateparse import parse_datetime

from apps.backups.errors import BackupError
from apps.backups.services.process import as_os_user, run

LAST_COMMIT = re.compile(r"last completed transaction was at log time ([0-9-]+ [0-9:.]+[+-][0-9:]+)")
RECOVERY_FAILED = ("recovery ended before configured recovery target was reached", "FATAL:", "PANIC:")


def free_port(low: int, high: int, socket_dir: Path | None = None) -> int:
    """The first port in [low, high] with no TCP listener on loopback and no socket file in ``socket_dir``."""
    for port in range(low, high + 1):
        if socket_dir is not None and (socket_dir / f".s.PGSQL.{port}").exists():
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise BackupError(f"No free port between {low} and {high} for the restored cluster.")


@dataclass
class RestoredCluster:
    """A data directory restored by pgBackRest, then started on ``port`` with a socket under ``base``.

    ``base`` belongs to the database's OS user (data, socket, log); ``work`` to this process (the
    access files the server reads, restored documents).
    """

    base: Path
    work: Path
    port: int
    os_user: str = field(default_factory=lambda: settings.PGBACKREST_OS_USER)
    superuser: str = field(default_factory=lambda: settings.RESTORE_DRILL_SUPERUSER)
    bindir: str = field(default_factory=lambda: settings.PG_BINDIR)
    listen: str = ""  # "" = socket only (drills); an address for a staging copy others connect to
    started: bool = False

    @classmethod
    def scratch(cls, **kwargs) -> RestoredCluster:
        """A new private directory for a drill, on the first free port of ``RESTORE_DRILL_PORTS``."""
        parent = settings.RESTORE_DRILL_SCRATCH_DIR or tempfile.gettempdir()
        os_user = kwargs.get("os_user") or settings.PGBACKREST_OS_USER
        made = run(as_os_user(["mktemp", "-d", "-p", parent, "strongroom-drill-XXXXXXXX"], os_user), what="mktemp")
        base = Path(made.strip())
        run(as_os_user(["chmod", "0711", str(base)], os_user), what="chmod")  # traversable, not listable
        work = Path(tempfile.mkdtemp(prefix="strongroom-drill-files-", dir=parent))
        work.chmod(0o711)
        low, high = settings.RESTORE_DRILL_PORTS
        return cls(base=base, work=work, port=free_port(low, high), **kwargs)

    @property
    def data_dir(self) -> Path:
        return self.base / "data"

    @property
    def socket_dir(self) -> Path:
        return self.base / "run"

    @property
    def log_file(self) -> Path:
        return self.base / "log" / "postgresql.log"

    def _as_user(self, *argv: str, timeout: float = 600, what: str = "", probe: bool = False) -> str:
        return run(as_os_user(list(argv), self.os_user), timeout=timeout, what=what or argv[0], probe=probe)

    def prepare(self) -> None:
        """The directories (as the OS user, 0700) and our own pg_hba/pg_ident: peer only, for two OS users."""
        self.work.mkdir(mode=0o711, parents=True, exist_ok=True)
        for path in (self.data_dir, self.socket_dir, self.log_file.parent):
            self._as_user("mkdir", "-p", "-m", "0700", str(path), what="mkdir")
        self._as_user("chmod", "0711", str(self.socket_dir), what="chmod")
        roles = {self.superuser, settings.DATABASE_APP_ROLE, *self._configured_roles()}
        me = getpass.getuser()
        ident = [f"drill {user} {role}" for user in sorted({me, self.os_user}) for role in sorted(roles)]
        (self.work / "pg_ident.conf").write_text("\n".join(ident) + "\n")
        hba = ["local all all peer map=drill"]
        if self.listen:
            hba.append("host all all 127.0.0.1/32 scram-sha-256")
            hba.append("host all all ::1/128 scram-sha-256")
        (self.work / "pg_hba.conf").write_text("\n".join(hba) + "\n")
        for name in ("pg_ident.conf", "pg_hba.conf"):
            (self.work / name).chmod(0o644)

    @staticmethod
    def _configured_roles() -> set[str]:
        return {db.get("USER") for db in settings.DATABASES.values() if db.get("USER")}

    def _options(self) -> str:
        options = {
            "port": str(self.port),
            "unix_socket_directories": f"'{self.socket_dir}'",
            "listen_addresses": f"'{self.listen}'",
            "hba_file": f"'{self.work / 'pg_hba.conf'}'",
            "ident_file": f"'{self.work / 'pg_ident.conf'}'",
            "archive_mode": "off",
            "ssl": "off",
            "cluster_name": "'strongroom-restored'",
        }
        return " ".join(f"-c {name}={value}" for name, value in options.items())

    def start(self, timeout: float = 3600) -> None:
        """Start the restored cluster (a missing postgresql.conf, as in Debian's layout, is created empty)."""
        conf = self.data_dir / "postgresql.conf"
        if not self._exists(conf):
            self._as_user("touch", str(conf), what="touch")
        self._as_user(
            f"{self.bindir}/pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file), "-w", "-t", str(int(timeout)),
            "-o", self._options(), "start", timeout=timeout + 30, what="pg_ctl start",
        )  # fmt: skip
        self.started = True

    def _exists(self, path: Path) -> bool:
        try:
            self._as_user("test", "-e", str(path), what="test", probe=True)
        except BackupError:
            return False
        return True

    def log(self) -> str:
        try:
            return self._as_user("cat", str(self.log_file), what="read the log", probe=True)
        except BackupError:
            return ""

    def connect(self, dbname: str = "postgres", user: str | None = None) -> psycopg.Connection:
        return psycopg.connect(
            host=str(self.socket_dir), port=self.port, dbname=dbname, user=user or self.superuser, autocommit=True
        )

    def wait_promoted(self, timeout: float = 3600, poll: float = 0.2) -> None:
        """Until ``pg_is_in_recovery()`` is false; a recovery that dies or stops short fails with the log's words."""
        deadline = time.monotonic() + timeout
        while True:
            problem = self._recovery_problem()
            try:
                with self.connect() as conn:
                    if not conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
                        return
            except psycopg.OperationalError:
                if problem:
                    raise BackupError(f"Recovery failed: {problem}") from None
            if problem:
                raise BackupError(f"Recovery failed: {problem}")
            if time.monotonic() > deadline:
                raise BackupError(f"The restored cluster was not promoted within {timeout:.0f} s.")
            time.sleep(poll)

    def _recovery_problem(self) -> str:
        for line in self.log().splitlines():
            if any(marker in line for marker in RECOVERY_FAILED):
                return line.strip()
        return ""

    def last_replayed_commit(self) -> datetime | None:
        """The log's "last completed transaction was at log time …": where the replay really stopped."""
        found = LAST_COMMIT.findall(self.log())
        if not found:
            return None
        stamp = found[-1]
        if re.search(r"[+-]\d\d$", stamp):
            stamp += ":00"
        return parse_datetime(stamp)

    def stop(self) -> None:
        if self.started:
            with contextlib.suppress(BackupError):
                pg_ctl = f"{self.bindir}/pg_ctl"
                self._as_user(pg_ctl, "-D", str(self.data_dir), "-m", "fast", "-w", "stop", what="pg_ctl stop")
            self.started = False

    def remove(self) -> None:
        """Stop the cluster and delete every file of it (the data directory belongs to the OS user)."""
        self.stop()
        with contextlib.suppress(BackupError):
            self._as_user("rm", "-rf", str(self.base), what="rm")
        shutil.rmtree(self.work, ignore_errors=True)


def django_settings(cluster: RestoredCluster, *, dbname: str, user: str | None = None) -> dict:
    """This thread's default connection settings, pointed at the restored cluster's socket and ``dbname``."""
    conf = {**connection.settings_dict}
    conf.update(
        NAME=dbname,
        HOST=str(cluster.socket_dir),
        PORT=str(cluster.port),
        USER=user or conf.get("USER") or settings.DATABASE_APP_ROLE,
        PASSWORD="",
        CONN_MAX_AGE=0,
        TEST={},
    )
    conf.pop("OPTIONS", None)
    conf["OPTIONS"] = {}
    return conf
