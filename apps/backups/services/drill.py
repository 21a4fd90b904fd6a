"""The restore drill: restore into a scratch cluster, wait for real promotion, prove the copy, measure, clean up.

Phases (seconds in ``RestoreDrill.phases``): ``restore`` (pgBackRest writes the data directory),
``documents`` (restic restores the matching snapshot), ``replay`` (start, WAL replay to the target,
promotion), ``app_ready`` (the application role connects and the schema is at this code's
migrations): their sum is the measured RTO. ``verify`` (pg_amcheck and the application checks) is
reported beside it. The RPO is the target time minus the last transaction the replay applied.

The target is a marker the drill takes itself (unless a past time is asked for): its own row is
committed, then the source's counts and checksums are read in one snapshot whose time is the
target, then one more commit follows so recovery has a transaction past the target to stop at.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from apps.backups.errors import BackupError, BackupNotConfigured
from apps.backups.models import DrillKind, DrillStatus, RestoreDrill
from apps.backups.services import restic as restic_service
from apps.backups.services.cluster import RestoredCluster, django_settings
from apps.backups.services.drills import create_drill
from apps.backups.services.elsewhere import run_against
from apps.backups.services.fingerprint import Marker, take_marker
from apps.backups.services.pgbackrest import PgBackRest
from apps.backups.services.process import as_os_user, run
from apps.backups.services.verify import Check, check_migrations, run_checks
from apps.backups.states import move_drill

log = logging.getLogger(__name__)

RTO_PHASES = ("restore", "documents", "replay", "app_ready")
BACKUP_SET = re.compile(r"restore backup set ([0-9]{8}-[0-9]{6}F(?:_[0-9]{8}-[0-9]{6}[DI])?)")
Progress = Callable[[str, str], None]


def _quiet(phase: str, message: str) -> None:
    log.info("backups.drill", extra={"phase": phase, "detail": message})


class _Timer:
    def __init__(self) -> None:
        self.phases: dict[str, float] = {}

    @contextmanager
    def phase(self, name: str):
        began = time.monotonic()
        try:
            yield
        finally:
            self.phases[name] = round(self.phases.get(name, 0.0) + time.monotonic() - began, 3)


def pg_amcheck(cluster: RestoredCluster, dbname: str) -> Check:
    argv = [
        f"{cluster.bindir}/pg_amcheck", "-h", str(cluster.socket_dir), "-p", str(cluster.port),
        "-U", cluster.superuser, "--install-missing", "--heapallindexed", "-d", dbname,
    ]  # fmt: skip
    try:
        run(as_os_user(argv, cluster.os_user), timeout=6 * 3600, what="pg_amcheck")
    except BackupError as exc:
        return Check("pg_amcheck", False, str(exc))
    return Check("pg_amcheck", True, f"tables and indexes of {dbname} are consistent (heapallindexed)")


def restore_documents(cluster: RestoredCluster, target: datetime | None) -> tuple[Path | None, str]:
    """The snapshot matching ``target`` restored under the scratch directory; (its media root, which snapshot)."""
    if not settings.RESTIC_REPOSITORY:
        return None, "no document snapshot repository configured: checking the live storage"
    snapshot = restic_service.snapshot_for(target)
    if snapshot is None:
        raise BackupError("No documents snapshot in the catalog to restore with the database.")
    into = cluster.work / "documents"
    into.mkdir(mode=0o700)
    restic_service.Restic().restore(snapshot.details.get("snapshot_id") or snapshot.label, str(into))
    return restic_service.restored_root(str(into), snapshot), f"snapshot {snapshot.label}"


def execute_drill(
    drill: RestoreDrill,
    *,
    marker: Marker | None = None,
    progress: Progress | None = None,
    tool: PgBackRest | None = None,
    extra_checks: Sequence[Callable[[], Check]] = (),
) -> RestoreDrill:
    """Run a queued drill to the end; the row records passed or failed with the reason (never raises for a fail).

    ``extra_checks`` run against the restored copy after the standard ones (a site's own invariants).
    """
    say = progress or _quiet
    if connection.vendor != "postgresql":
        raise BackupNotConfigured(
            "Restore drills need PostgreSQL and pgBackRest (SQLite copies are checked by verify)."
        )
    tool = tool or PgBackRest()
    timer = _Timer()
    checks: list[Check] = []
    move_drill(drill, "start", changes={"started_at": timezone.now()})  # the marker row: committed before the target
    cluster: RestoredCluster | None = None
    own_marker = drill.target_time is None
    rpo = None
    label = ""
    try:
        if own_marker:
            say("marker", "recording the source's counts and checksums")
            marker = take_marker()
            # One more commit, after the target: recovery needs a transaction past it to stop at.
            RestoreDrill.objects.filter(pk=drill.pk).update(target_time=marker.at)
            drill.target_time = marker.at
        target = drill.target_time
        say("archive", "switching WAL and waiting for it to be archived")
        tool.check()
        cluster = RestoredCluster.scratch()
        dbname = connection.settings_dict["NAME"]
        with timer.phase("restore"):
            say("restore", f"restoring into {cluster.data_dir} (port {cluster.port})")
            cluster.prepare()
            output = tool.restore_logged(str(cluster.data_dir), target_time=target)
            found = BACKUP_SET.findall(output)
            label = found[-1] if found else ""
        with timer.phase("documents"):
            say("documents", "restoring the matching documents snapshot")
            documents_root, documents_note = restore_documents(cluster, target)
        with timer.phase("replay"):
            say("replay", f"replaying WAL to {target.isoformat()} and waiting for promotion")
            cluster.start()
            cluster.wait_promoted()
        last_commit = cluster.last_replayed_commit()
        rpo = round((target - last_commit).total_seconds(), 3) if last_commit else None
        restored = django_settings(cluster, dbname=dbname)
        with timer.phase("app_ready"):
            say("app_ready", "connecting as the application role and checking migrations")
            checks.append(run_against(restored, check_migrations))
        with timer.phase("verify"):
            say("verify", "pg_amcheck, counts and checksums, trial balances, documents, audit chains, returns")
            checks.append(pg_amcheck(cluster, dbname))
            found_checks = run_against(
                restored,
                lambda: [
                    *run_checks(marker, drill.pk if own_marker else None, documents_root),
                    *(check() for check in extra_checks),
                ],
            )
            checks += [c for c in found_checks if c.name != "migrations"]
            for check in checks:
                if check.name == "document files":
                    object.__setattr__(check, "detail", f"{check.detail}; {documents_note}")
    except BackupError as exc:
        checks.append(Check("restore", False, str(exc)))
    except Exception as exc:  # the drill fails with the reason; it never stays "running"
        log.exception("backups.drill_crashed")
        checks.append(Check("drill", False, f"{type(exc).__name__}: {exc}"))
    finally:
        if cluster is not None:
            say("cleanup", "removing the scratch cluster")
            cluster.remove()
    rto = round(sum(timer.phases.get(p, 0.0) for p in RTO_PHASES), 3) if "app_ready" in timer.phases else None
    if rto is not None:
        within = rto <= settings.BACKUP_RTO_OBJECTIVE_SECONDS
        checks.append(Check("RTO objective", within, f"{rto} s (objective {settings.BACKUP_RTO_OBJECTIVE_SECONDS} s)"))
    if rpo is not None:
        within = rpo <= settings.BACKUP_RPO_OBJECTIVE_SECONDS
        checks.append(Check("RPO objective", within, f"{rpo} s (objective {settings.BACKUP_RPO_OBJECTIVE_SECONDS} s)"))
    failed = [c for c in checks if not c.passed]
    changes = {
        "finished_at": timezone.now(),
        "backup_label": label,
        "rto_seconds": rto,
        "rpo_seconds": rpo,
        "phases": timer.phases,
        "checks": [c.as_dict() for c in checks],
        "failure_reason": "; ".join(f"{c.name}: {c.detail}" for c in failed)[:4000],
    }
    move_drill(drill, "fail" if failed else "pass", changes=changes)
    say("done", f"{drill.status}: RTO {rto} s, RPO {rpo} s")
    return drill


def run_drill(
    *,
    trigger: str,
    kind: str = DrillKind.LATEST,
    target_time: datetime | None = None,
    user: Any = None,
    progress: Progress | None = None,
) -> RestoreDrill:
    """Create and run a drill in this process (the command and the schedule)."""
    drill = create_drill(trigger=trigger, user=user, kind=kind, target_time=target_time)
    return execute_drill(drill, progress=progress)


def run_queued(drill_id: str) -> RestoreDrill:
    drill = RestoreDrill.objects.get(pk=drill_id)
    if drill.status != DrillStatus.QUEUED:
        return drill  # a redelivered message: the drill already ran or is running
    return execute_drill(drill)
