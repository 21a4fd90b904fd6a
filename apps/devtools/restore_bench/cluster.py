"""A throwaway PostgreSQL cluster for the restore benchmark: initdb, start, stop, as the postgres OS user.

Everything lives under one scratch directory (data, sockets, the pgBackRest repository, logs) that
the benchmark deletes at the end; each cluster listens on 127.0.0.1 only, on a port it is given.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
OS_USER = "postgres"


def as_postgres(*args: str | Path, check: bool = True, timeout: float = 3600) -> subprocess.CompletedProcess:
    """Run a command as the postgres OS user (``runuser`` when we are root, directly when we are postgres)."""
    command = [str(a) for a in args]
    if os.geteuid() == 0:
        command = ["runuser", "-u", OS_USER, "--", *command]
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)  # noqa: S603
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


def give_to_postgres(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, OS_USER, OS_USER)


@dataclass
class Cluster:
    data: Path
    port: int
    socket_dir: Path
    host: str = "127.0.0.1"  # or the socket directory (a cluster restored by backup_restore: peer auth only)

    def conninfo(self, dbname: str = "postgres", user: str = OS_USER) -> str:
        return f"host={self.host} port={self.port} dbname={dbname} user={user}"

    def connect(self, dbname: str = "postgres", *, autocommit: bool = False) -> psycopg.Connection:
        return psycopg.connect(self.conninfo(dbname), autocommit=autocommit)

    def url(self, dbname: str, user: str) -> str:
        return f"postgres://{user}@127.0.0.1:{self.port}/{dbname}"

    def initdb(self, settings: dict[str, str]) -> None:
        as_postgres(PG_BIN / "initdb", "-D", self.data, "-A", "trust", "-U", OS_USER, "-E", "UTF8", "--no-sync")
        lines = [f"{key} = {value}" for key, value in {**self.base_settings(), **settings}.items()]
        conf = self.data / "postgresql.auto.conf"
        as_postgres("sh", "-c", f"printf '%s\\n' \"$@\" >> {conf}", "sh", *lines)

    def base_settings(self) -> dict[str, str]:
        return {
            "port": str(self.port),
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.socket_dir}'",
            "shared_buffers": "'256MB'",
            "max_wal_size": "'4GB'",
            "logging_collector": "off",
        }

    def start(self, *, wait: bool = True) -> None:
        args = [PG_BIN / "pg_ctl", "-D", self.data, "-l", self.data.parent / f"{self.data.name}.log", "start"]
        as_postgres(*args, *(["-w", "-t", "3600"] if wait else ["-W"]))

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            as_postgres(PG_BIN / "pg_ctl", "-D", self.data, "stop", "-m", "fast", "-w", check=False)

    def wait_until_writable(self, timeout: float = 3600) -> None:
        """Until the server accepts connections and has left recovery (promoted)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                with self.connect(autocommit=True) as conn:
                    if not conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
                        return
            except psycopg.OperationalError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the cluster on port {self.port} did not leave recovery in {timeout:.0f} s")
            time.sleep(0.05)
