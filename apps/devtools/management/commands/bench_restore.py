"""manage.py bench_restore (``make bench-restore``): how long a whole-database restore takes on this machine.

A benchmark, not a test: it prints figures and asserts nothing. In a scratch directory it

1. creates a source cluster (initdb as the postgres OS user, 127.0.0.1 only, WAL archived by
   pgBackRest), the Strongroom roles and database, and migrates it;
2. fills it with ~1 GB of realistic rows (apps/devtools/restore_bench/generate.py), measured with
   pg_database_size;
3. takes a pgBackRest full backup, then commits a marker row and archives its WAL (written after
   the backup, so only WAL replay can bring it back);
4. loses the source (stops it) and times the restore the runbooks use, ``manage.py backup_restore``
   (apps.backups.services.restore), phase by phase as it reports them: restore (``pgbackrest
   restore`` into an empty directory), replay and promotion (start until the server leaves
   recovery), app ready (the migrations checked as the application role); then this command's
   verification (row counts, every entry balanced, every audit chain re-hashed, the marker present);
5. times a baseline in the same run: ``pg_dump -Fd -j2`` of the source and ``pg_restore -j2``
   of it into an empty database, and prints the ratio;
6. stops both clusters and deletes the scratch directory (``--keep`` leaves it for a look).

Needs root (it runs the PostgreSQL tools as the postgres user with ``runuser``) or the postgres user,
PostgreSQL 15's server binaries (PG_BIN) and pgBackRest. Ports: ``--port`` and the next one.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.audit.models import ZERO_HASH
from apps.audit.services import link_hash
from apps.devtools.restore_bench import generate
from apps.devtools.restore_bench.cluster import OS_USER, PG_BIN, Cluster, as_postgres, give_to_postgres

DB = "strongroom_bench"
STANZA = "bench"
GOAL_SECONDS = 120


class Command(BaseCommand):
    help = "Time a pgBackRest restore of a generated ~1 GB Strongroom database (figures only, no assertions)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--size-mb", type=int, default=1024, help="database size to generate (default 1024)")
        parser.add_argument("--businesses", type=int, default=50)
        parser.add_argument("--port", type=int, default=57610, help="source port; the restore uses the next one")
        parser.add_argument("--process-max", type=int, default=2, help="pgBackRest processes (default 2)")
        parser.add_argument("--compress-type", default="lz4", help="pgBackRest compression (default lz4)")
        parser.add_argument("--scratch-dir", default=tempfile.gettempdir())
        parser.add_argument("--skip-baseline", action="store_true", help="no pg_dump/pg_restore comparison")
        parser.add_argument("--keep", action="store_true", help="leave the scratch directory (clusters stopped)")

    def handle(self, *args: Any, **opts: Any) -> None:
        if os.geteuid() != 0 and os.environ.get("USER") != OS_USER:
            raise CommandError("run as root (the PostgreSQL tools run as the postgres user via runuser) or postgres")
        for tool in (PG_BIN / "initdb", Path(shutil.which("pgbackrest") or "/nonexistent")):
            if not tool.exists():
                raise CommandError(f"{tool} not found: install postgresql-15 and pgbackrest (make test-system-deps)")
        scratch = Path(tempfile.mkdtemp(prefix="strongroom-bench-restore-", dir=opts["scratch_dir"]))
        scratch.chmod(0o755)
        give_to_postgres(scratch)
        source = Cluster(scratch / "source", opts["port"], scratch)
        base = scratch / "restored"  # backup_restore's layout: data/, run/ (the socket), log/
        restored = Cluster(base / "data", opts["port"] + 1, base / "run", host=str(base / "run"))
        try:
            self._run(scratch, source, restored, opts)
        finally:
            restored.stop()
            source.stop()
            if opts["keep"]:
                self.stdout.write(f"kept {scratch}")
            else:
                shutil.rmtree(scratch, ignore_errors=True)

    # --- the steps ---------------------------------------------------------------------------------------------

    def _run(self, scratch: Path, source: Cluster, restored: Cluster, opts: dict[str, Any]) -> None:
        conf = self._pgbackrest_conf(scratch, source, opts)
        archive = f"'pgbackrest --config={conf} --stanza={STANZA} archive-push %p'"
        source.initdb({"wal_level": "replica", "archive_mode": "on", "archive_command": archive})
        source.start()
        backrest = ["pgbackrest", f"--config={conf}", f"--stanza={STANZA}"]
        as_postgres(*backrest, "stanza-create")  # before any data, so WAL is archived as it is written
        self._create_and_migrate(source)
        self.stdout.write(f"generating ~{opts['size_mb']} MB in {DB} on port {source.port} …")
        started = time.monotonic()
        with source.connect(DB) as conn, conn.cursor() as cursor:
            made = generate.generate(
                cursor, conn.commit, target_bytes=opts["size_mb"] * 1024 * 1024, businesses=opts["businesses"]
            )
            cursor.execute("CREATE TABLE bench_marker (note text NOT NULL, at timestamptz NOT NULL DEFAULT now())")
            conn.commit()
        generated = time.monotonic() - started
        before = made.counts

        started = time.monotonic()
        as_postgres(*backrest, "--type=full", "backup")
        backup_seconds = time.monotonic() - started
        info = json.loads(as_postgres(*backrest, "--output=json", "info").stdout)[0]["backup"][-1]
        self._commit_marker_after_the_backup(source)

        dump_seconds = None
        dump = scratch / "dump"
        if not opts["skip_baseline"]:
            started = time.monotonic()
            as_postgres(PG_BIN / "pg_dump", "-h", "127.0.0.1", "-p", source.port, "-Fd", "-j", "2", "-f", dump, DB)
            dump_seconds = time.monotonic() - started
        source.stop()  # the database is lost

        phases = self._restore(conf, source, restored)
        verify_started = time.monotonic()
        problems = self._verify(restored, before)
        phases["verify"] = time.monotonic() - verify_started

        pg_restore_seconds = None
        if not opts["skip_baseline"]:
            where = ["-h", restored.host, "-p", str(restored.port)]
            as_postgres(PG_BIN / "createdb", *where, "-O", "strongroom_owner", "copy")
            started = time.monotonic()
            as_postgres(PG_BIN / "pg_restore", *where, "-j", "2", "-d", "copy", dump)
            pg_restore_seconds = time.monotonic() - started

        self._report(made, generated, backup_seconds, info, phases, problems, dump_seconds, pg_restore_seconds, opts)

    def _pgbackrest_conf(self, scratch: Path, source: Cluster, opts: dict[str, Any]) -> Path:
        for sub in ("repo", "log", "lock", "spool"):
            (scratch / sub).mkdir()
            give_to_postgres(scratch / sub)
        conf = scratch / "pgbackrest.conf"
        conf.write_text(
            "[global]\n"
            f"repo1-path={scratch / 'repo'}\nrepo1-retention-full=1\n"
            f"log-path={scratch / 'log'}\nlock-path={scratch / 'lock'}\nspool-path={scratch / 'spool'}\n"
            f"process-max={opts['process_max']}\ncompress-type={opts['compress_type']}\n"
            "start-fast=y\nlog-level-console=warn\nlog-level-file=info\n\n"
            f"[{STANZA}]\npg1-path={source.data}\npg1-port={source.port}\npg1-socket-path={source.socket_dir}\n"
        )
        give_to_postgres(conf)
        return conf

    def _create_and_migrate(self, source: Cluster) -> None:
        env = {**os.environ, "PGHOST": "127.0.0.1", "PGPORT": str(source.port), "PGUSER": OS_USER}
        script = Path(settings.BASE_DIR) / "scripts" / "pg_roles.sh"
        roles = ["bash", str(script)]
        subprocess.run(roles, env={**env, "STRONGROOM_DB": DB}, check=True, capture_output=True)  # noqa: S603
        app_env = {
            **os.environ,
            "STRONGROOM_ENV": "development",
            "DATABASE_URL": source.url(DB, "strongroom_app"),
            "DATABASE_OWNER_URL": source.url(DB, "strongroom_owner"),
        }
        manage = Path(settings.BASE_DIR) / "manage.py"
        migrate = [sys.executable, str(manage), "migrate", "--database", "owner", "--no-input", "-v", "0"]
        result = subprocess.run(migrate, env=app_env, capture_output=True, text=True, check=False)  # noqa: S603
        if result.returncode != 0:
            raise CommandError(f"migrate failed:\n{result.stdout}\n{result.stderr}")

    def _commit_marker_after_the_backup(self, source: Cluster) -> None:
        """A row only WAL replay can restore; wait until its segment is archived (what the RPO counts on)."""
        with source.connect(DB, autocommit=True) as conn:
            conn.execute("INSERT INTO bench_marker (note) VALUES ('after the backup')")
            segment = conn.execute("SELECT pg_walfile_name(pg_switch_wal())").fetchone()[0]
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                last = conn.execute("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver").fetchone()[0]
                if last >= segment:
                    return
                time.sleep(0.1)
        raise CommandError(f"WAL segment {segment} was not archived within 2 minutes")

    def _restore(self, conf: Path, source: Cluster, restored: Cluster) -> dict[str, float]:
        """``manage.py backup_restore`` itself (what database-lost.md runs), pointed at the bench's stanza."""
        env = {
            **os.environ,
            "STRONGROOM_ENV": "development",
            "DATABASE_URL": source.url(DB, "strongroom_app"),  # names the database; the source is down
            "PGBACKREST_CONFIG": str(conf),
            "PGBACKREST_STANZA": STANZA,
            "PG_BINDIR": str(PG_BIN),
            "RESTIC_REPOSITORY": "",
        }
        manage = Path(settings.BASE_DIR) / "manage.py"
        command = [sys.executable, str(manage), "backup_restore", "--into", str(restored.data.parent)]
        command += ["--port", str(restored.port), "--no-documents", "--json"]
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        if result.returncode != 0:
            raise CommandError(f"backup_restore failed:\n{result.stdout}\n{result.stderr}")
        report = json.loads(result.stdout)
        return {
            "restore": report["phases"]["restore"],
            "replay_and_promotion": report["phases"]["replay"],
            "app_ready": report["phases"]["app_ready"],
        }

    def _verify(self, restored: Cluster, before: dict[str, int]) -> list[str]:
        problems = []
        with restored.connect(DB) as conn, conn.cursor() as cursor:
            after = generate.counts(cursor)
            problems += [f"{t}: {after[t]} rows, {n} before" for t, n in before.items() if after[t] != n]
            unbalanced = generate.unbalanced_entries(cursor)
            if unbalanced:
                problems.append(f"{unbalanced} unbalanced journal entries")
            cursor.execute("SELECT count(*) FROM bench_marker WHERE note = 'after the backup'")
            if cursor.fetchone()[0] != 1:
                problems.append("the row committed after the backup is missing (WAL not replayed)")
            problems += _broken_chains(conn)
        return problems

    def _report(self, made, generated, backup_seconds, info, phases, problems, dump_s, pg_restore_s, opts) -> None:
        version = as_postgres(PG_BIN / "postgres", "--version").stdout.strip()
        backrest = as_postgres("pgbackrest", "version").stdout.strip()
        gib = made.database_bytes / 1024**3
        rto = phases["restore"] + phases["replay_and_promotion"] + phases["app_ready"] + phases["verify"]
        repo_bytes = info.get("info", {}).get("repository", {}).get("delta", 0)
        c = made.counts
        w = self.stdout.write
        w(f"\nRestore benchmark: {version}, {backrest}, {os.cpu_count()} CPUs, process-max {opts['process_max']}, "
          f"compress-type {opts['compress_type']}")  # fmt: skip
        w(f"  database  {gib:.2f} GiB (pg_database_size {made.database_bytes:,} bytes) generated in {generated:.1f} s: "
          f"{c['documents_document']:,} documents, {c['ledger_journalentry']:,} entries, "
          f"{c['ledger_journalline']:,} lines, {c['audit_auditevent']:,} audit events, "
          f"{opts['businesses']} businesses")  # fmt: skip
        w(f"  backup    full in {backup_seconds:.1f} s; repository {repo_bytes / 1024**2:.0f} MiB")
        w("  restore path: manage.py backup_restore (pgbackrest restore, start, promotion, migrations check)")
        w(f"  restore   {phases['restore']:.1f} s  (pgbackrest restore: files into an empty data directory)")
        w(f"  replay    {phases['replay_and_promotion']:.1f} s  "
          "(start, WAL replay to the newest archived segment, promotion)")  # fmt: skip
        w(f"  app ready {phases['app_ready']:.1f} s  (the migrations checked as the application role)")
        w(f"  verify    {phases['verify']:.1f} s  (row counts, every entry balanced, every audit chain re-hashed, "
          "the post-backup row present)")  # fmt: skip
        w(f"  total     {rto:.1f} s  (goal ≤ {GOAL_SECONDS} s: {'met' if rto <= GOAL_SECONDS else 'MISSED'}); "
          f"verification {'passed' if not problems else 'FAILED: ' + '; '.join(problems)}")  # fmt: skip
        if pg_restore_s is not None:
            ratio = (phases["restore"] + phases["replay_and_promotion"]) / pg_restore_s
            w(f"  baseline  pg_dump -Fd -j2 {dump_s:.1f} s; pg_restore -j2 {pg_restore_s:.1f} s; "
              f"pgBackRest restore + promotion = {ratio:.2f}× pg_restore")  # fmt: skip


def _broken_chains(conn: Any) -> list[str]:
    """Re-hash every audit chain from its first link (the verifier's rules, on the restored copy)."""
    chain, expected_prev, expected_seq = None, ZERO_HASH, 1
    with conn.cursor(name="chains") as rows:
        rows.itersize = 20_000
        rows.execute("SELECT chain, seq, prev_hash, hash, body FROM audit_auditevent ORDER BY chain, seq")
        for row_chain, seq, prev_hash, stored, body in rows:
            if row_chain != chain:
                chain, expected_prev, expected_seq = row_chain, ZERO_HASH, 1
            prev_hash, stored = bytes(prev_hash), bytes(stored)
            if seq != expected_seq or prev_hash != expected_prev or link_hash(prev_hash, seq, body) != stored:
                return [f"audit chain {chain} broken at seq {seq}"]
            expected_prev, expected_seq = stored, seq + 1
    return []
