"""``backup_restore``: the latest backup or a point in time into a fresh cluster (staging, or recovery).

It restores the data directory with pgBackRest, the matching documents snapshot with restic, starts
the cluster on its own port, waits for real promotion and checks the migrations, then reports (JSON)
what it did and how long each phase took. A directory that holds a database, or a running server,
is refused unless ``overwrite`` is given: a restore must never replace a live database by accident.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

from apps.backups.errors import BackupError, RestoreRefused
from apps.backups.services import restic as restic_service
from apps.backups.services.cluster import RestoredCluster, django_settings, free_port
from apps.backups.services.drill import BACKUP_SET
from apps.backups.services.elsewhere import run_against
from apps.backups.services.pgbackrest import PgBackRest
from apps.backups.services.process import as_os_user, run
from apps.backups.services.verify import check_migrations

Progress = Callable[[str, str], None]


@dataclass
class RestoreReport:
    data_dir: str
    port: int
    target_time: str | None
    backup_label: str = ""
    documents: str = ""
    phases: dict[str, float] = field(default_factory=dict)
    rpo_seconds: float | None = None
    migrations: dict[str, Any] = field(default_factory=dict)
    ok: bool = False

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _holds_data(cluster: RestoredCluster) -> bool:
    try:
        out = run(as_os_user(["ls", "-A", str(cluster.data_dir)], cluster.os_user), what="ls", probe=True)
    except BackupError:
        return False  # does not exist yet
    return bool(out.strip())


def _running(cluster: RestoredCluster) -> bool:
    try:
        run(
            as_os_user([f"{cluster.bindir}/pg_ctl", "-D", str(cluster.data_dir), "status"], cluster.os_user), probe=True
        )
    except BackupError:
        return False
    return True


def restore_cluster(
    base: Path,
    *,
    port: int | None = None,
    target_time: datetime | None = None,
    label: str = "",
    listen: str = "127.0.0.1",
    overwrite: bool = False,
    documents: bool = True,
    progress: Progress | None = None,
    tool: PgBackRest | None = None,
) -> RestoreReport:
    """Restore into ``base`` (``base/data`` the data directory) and leave the cluster running on ``port``."""
    say = progress or (lambda phase, message: None)
    tool = tool or PgBackRest()
    base = Path(base).resolve()
    cluster = RestoredCluster(base=base, work=base.with_name(f"{base.name}-files"), port=port or 0, listen=listen)
    if _holds_data(cluster) or _running(cluster):
        if not overwrite:
            raise RestoreRefused(
                f"{cluster.data_dir} already holds a database (it may be live). Pass --overwrite to replace it."
            )
        if _running(cluster):
            say("stop", f"stopping the server running in {cluster.data_dir} (--overwrite)")
            cluster.started = True
            cluster.stop()
    try:
        cluster.port = free_port(port, port) if port else free_port(*settings.RESTORE_DRILL_PORTS)
    except BackupError as exc:
        raise RestoreRefused(f"Port {port} is in use: a server is listening there. Choose another port.") from exc
    run(as_os_user(["mkdir", "-p", "-m", "0711", str(base)], cluster.os_user), what="mkdir")
    report = RestoreReport(str(cluster.data_dir), cluster.port, target_time.isoformat() if target_time else None)
    phases = report.phases
    dbname = connection.settings_dict["NAME"]

    began = time.monotonic()
    say("restore", f"restoring {'to ' + target_time.isoformat() if target_time else 'the latest backup'}")
    cluster.prepare()
    output = tool.restore_logged(str(cluster.data_dir), target_time=target_time, label=label, delta=overwrite)
    found = BACKUP_SET.findall(output)
    report.backup_label = found[-1] if found else label
    phases["restore"] = round(time.monotonic() - began, 3)

    began = time.monotonic()
    if documents and restic_service.Restic().repository:
        snapshot = restic_service.snapshot_for(target_time)
        if snapshot is not None:
            into = cluster.work / "documents"
            say("documents", f"restoring documents snapshot {snapshot.label} under {into}")
            into.mkdir(mode=0o700, parents=True, exist_ok=True)
            restic_service.Restic().restore(snapshot.details.get("snapshot_id") or snapshot.label, str(into))
            report.documents = str(restic_service.restored_root(str(into), snapshot))
    phases["documents"] = round(time.monotonic() - began, 3)

    began = time.monotonic()
    say("replay", f"starting on port {cluster.port}, replaying WAL, waiting for promotion")
    cluster.start()
    cluster.wait_promoted()
    phases["replay"] = round(time.monotonic() - began, 3)
    last = cluster.last_replayed_commit()
    if target_time and last:
        report.rpo_seconds = round((target_time - last).total_seconds(), 3)

    began = time.monotonic()
    say("app_ready", "checking the migrations as the application role")
    check = run_against(django_settings(cluster, dbname=dbname), check_migrations)
    report.migrations = check.as_dict()
    phases["app_ready"] = round(time.monotonic() - began, 3)
    report.ok = check.passed
    say("done", f"restored cluster running: socket {cluster.socket_dir}, port {cluster.port}")
    return report
