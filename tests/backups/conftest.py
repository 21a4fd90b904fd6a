"""A throwaway SOURCE cluster for the backup tests: initdb as postgres on a port of the test range, WAL archived
by pgBackRest to a temporary repository, migrated with the application's migrations, seeded through the factories
and services (two businesses with posted journals, stored documents, audit events, a filed VAT return), one full
backup and one documents snapshot. Everything it starts is stopped and deleted at the end of the module.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from django.test import override_settings

from apps.backups.services.elsewhere import run_against
from apps.backups.services.pgbackrest import PgBackRest

ROOT = Path(__file__).resolve().parents[2]
BINDIR = Path("/usr/lib/postgresql/15/bin")
SOURCE_PORT = int(os.environ.get("BACKUP_TEST_SOURCE_PORT", "57541"))
DRILL_PORTS = (57560, 57599)
STANZA = "strongroom"
DBNAME = "strongroom_src"


def tools_missing() -> str:
    for tool in ("pgbackrest", "restic", "runuser"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    if not (BINDIR / "initdb").exists():
        return "PostgreSQL 15 server binaries are not installed"
    if os.geteuid() != 0:
        return "the throwaway cluster is created as the postgres OS user, which needs root (runuser)"
    return ""


def as_postgres(*argv: str, env: dict[str, str] | None = None, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["runuser", "-u", "postgres", "--", *argv],
        capture_output=True,
        text=True,
        check=check,
        env={**os.environ, **(env or {})},
        timeout=600,
    )


@dataclass
class Source:
    base: Path
    port: int
    config: Path
    media: Path
    restic_repo: Path
    restic_password: Path
    restic_cache: Path
    seeded: dict[str, Any]

    @property
    def tool(self) -> PgBackRest:
        return PgBackRest(config=str(self.config), stanza=STANZA, os_user="postgres")

    def database(self, user: str = "strongroom_app") -> dict[str, Any]:
        return {"NAME": DBNAME, "HOST": "127.0.0.1", "PORT": str(self.port), "USER": user, "PASSWORD": "", "TEST": {}}

    def run(self, work):
        """``work()`` with the application's default connection on this cluster (as the application role)."""
        return run_against(self.database(), work)

    def superuser_sql(self, sql: str) -> str:
        out = as_postgres(
            "psql",
            "-h", str(self.base / "run"), "-p", str(self.port), "-d", DBNAME, "-v", "ON_ERROR_STOP=1", "-Atqc", sql,
        )  # fmt: skip
        return out.stdout.strip()

    def overrides(self) -> dict[str, Any]:
        return {
            "BACKUP_ENABLED": True,
            "PGBACKREST_CONFIG": str(self.config),
            "PGBACKREST_STANZA": STANZA,
            "PGBACKREST_OS_USER": "postgres",
            "PGBACKREST_REPO_PATH": str(self.base / "repo"),
            "RESTIC_REPOSITORY": str(self.restic_repo),
            "RESTIC_PASSWORD_FILE": str(self.restic_password),
            "RESTIC_CACHE_DIR": str(self.restic_cache),
            "RESTORE_DRILL_PORTS": DRILL_PORTS,
            "RESTORE_DRILL_SCRATCH_DIR": "",  # the system temp dir: the postgres OS user creates its own there
            "MEDIA_ROOT": self.media,
        }


def _write_as_postgres(path: Path, text: str) -> None:
    path.write_text(text)
    shutil.chown(path, "postgres", "postgres")
    path.chmod(0o600)


def stop_leftover_clusters(port: int, *, under: Path = Path("/tmp")) -> list[Path]:
    """Stop and delete source clusters an interrupted run left on ``port`` (this fixture's ``sr-backups-*`` only).

    Why: a killed pytest never reaches the fixture's ``finally``; its cluster kept the port and every drill of
    the next run errored on "port in use" (it cost a CI run). ``postmaster.pid``'s fourth line is the port.
    """
    stopped = []
    for pid_file in sorted(under.glob("sr-backups-*/data/postmaster.pid")):
        lines = pid_file.read_text(errors="replace").splitlines()
        if len(lines) < 4 or lines[3].strip() != str(port):
            continue
        base = pid_file.parent.parent
        as_postgres(f"{BINDIR}/pg_ctl", "-D", str(base / "data"), "-m", "immediate", "stop", check=False)
        shutil.rmtree(base, ignore_errors=True)
        stopped.append(base)
    return stopped


def _create_cluster(base: Path, port: int) -> Path:
    for name in ("data", "repo", "run", "log"):
        (base / name).mkdir(mode=0o700)
        shutil.chown(base / name, "postgres", "postgres")
    as_postgres(f"{BINDIR}/initdb", "-D", str(base / "data"), "-U", "postgres", "--auth-local=trust",
                "--auth-host=trust", "-E", "UTF8", "--locale=C.UTF-8")  # fmt: skip
    config = base / "pgbackrest.conf"
    _write_as_postgres(
        config,
        f"[global]\nrepo1-path={base / 'repo'}\nrepo1-retention-full=2\nlog-path={base / 'log'}\n"
        f"lock-path={base / 'run'}\nstart-fast=y\nlog-level-file=detail\ncompress-type=lz4\nprocess-max=4\n\n"
        f"[{STANZA}]\npg1-path={base / 'data'}\npg1-port={port}\npg1-socket-path={base / 'run'}\n",
    )
    with (base / "data" / "postgresql.conf").open("a") as conf:
        conf.write(
            f"\nport = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{base / 'run'}'\n"
            "wal_level = replica\narchive_mode = on\narchive_timeout = 5\nfsync = off\nfull_page_writes = on\n"
            f"archive_command = 'pgbackrest --config={config} --stanza={STANZA} archive-push %p'\n"
            "max_wal_senders = 3\nshared_buffers = 32MB\n"
        )
    as_postgres(f"{BINDIR}/pg_ctl", "-D", str(base / "data"), "-l", str(base / "log" / "source.log"), "-w", "start")
    return config


def _migrate(port: int) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_OWNER_URL", "REQUIRE_POSTGRES", "PYTEST_CURRENT_TEST"}
    }
    env |= {
        "DATABASE_URL": f"postgres://strongroom_owner@127.0.0.1:{port}/{DBNAME}",
        "DATABASE_APP_ROLE": "strongroom_app",
        "STRONGROOM_ENV": "test",
        "PGHOST": "127.0.0.1",
        "PGPORT": str(port),
        "PGUSER": "postgres",
        "STRONGROOM_DB": DBNAME,
    }
    subprocess.run(["bash", "scripts/pg_roles.sh"], cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
    done = subprocess.run(
        [str(ROOT / ".venv/bin/python"), "manage.py", "migrate", "-v0"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]


def document_bytes(label: str) -> bytes:
    return f"%PDF-1.4\n% synthetic receipt {label}\n".encode() * 20


def store_document(tenant, label: str):
    """A stored file and its row, as the upload service names them (by tenant and content hash)."""
    from apps.documents.services.storage import store_blob
    from apps.tenancy.context import tenant_context
    from tests.factories import DocumentFactory

    content = document_bytes(label)
    sha = hashlib.sha256(content).hexdigest()
    name = f"tenants/{tenant.pk}/documents/{sha[:2]}/{sha}.pdf"
    store_blob(name, content)
    with tenant_context(tenant):
        return DocumentFactory(tenant=tenant, sha256=sha, size=len(content), storage_name=name)


def seed() -> dict[str, Any]:
    """Two businesses with books, posted journals (worked example), documents with files, a filed return."""
    from apps.filing.domain import ReturnStatus
    from apps.tenancy.context import tenant_context
    from apps.tenancy.models import Role
    from tests.factories import MembershipFactory, TenantFactory, UserFactory
    from tests.factories.books import books_with_worked_example
    from tests.factories.filing import SubmissionAttemptFactory, VatReturnFactory

    found: dict[str, Any] = {}
    for slug, name in (("aldgate-joinery", "Aldgate Joinery Ltd"), ("bramley-florists", "Bramley Florists Ltd")):
        tenant = TenantFactory(name=name, slug=slug)
        owner = MembershipFactory(tenant=tenant, role=Role.OWNER, user=UserFactory()).user
        books = books_with_worked_example(tenant, owner)
        documents = [store_document(tenant, f"{slug}-{n}") for n in range(3)]
        with tenant_context(tenant):
            filed = VatReturnFactory(
                tenant=tenant,
                obligation=books.q1,
                status=ReturnStatus.SUBMITTED,
                form_bundle_number="123456789012",
                submitted_at=datetime(2025, 5, 1, 9, tzinfo=UTC),
            )
            SubmissionAttemptFactory(tenant=tenant, vat_return=filed, outcome="submitted")
        found[slug] = {"tenant": tenant.pk, "documents": [d.storage_name for d in documents]}
    return found


@pytest.fixture(scope="module")
def source(django_db_blocker, tmp_path_factory):
    missing = tools_missing()
    if missing and os.environ.get("REQUIRE_POSTGRES") == "1":
        pytest.fail(f"The backup drills cannot run: {missing}")  # CI must run them, not skip them
    if missing:
        pytest.skip(missing)
    stop_leftover_clusters(SOURCE_PORT)
    base = Path(tempfile.mkdtemp(prefix="sr-backups-", dir="/tmp"))
    base.chmod(0o711)
    media = base / "media"
    media.mkdir()
    restic = base / "restic"
    password = base / "restic-password"
    password.write_text(hashlib.sha256(os.urandom(32)).hexdigest())
    password.chmod(0o600)
    config = None
    try:
        config = _create_cluster(base, SOURCE_PORT)
        _migrate(SOURCE_PORT)
        src = Source(base, SOURCE_PORT, config, media, restic, password, base / "restic-cache", {})
        with django_db_blocker.unblock(), override_settings(**src.overrides()):
            src.tool.stanza_create()
            src.seeded = src.run(seed)
            src.run(lambda: _first_backups(src))
        yield src
    finally:
        with django_db_blocker.unblock():
            connections.close_all()
        if config is not None:
            as_postgres(f"{BINDIR}/pg_ctl", "-D", str(base / "data"), "-m", "immediate", "stop", check=False)
        shutil.rmtree(base, ignore_errors=True)


def _first_backups(src: Source) -> None:
    from apps.backups.services.pgbackrest import take_backup
    from apps.backups.services.restic import snapshot_documents

    full = take_backup("full", src.tool)
    snapshot_documents(after=full)


@pytest.fixture
def on_source(source, settings):
    """The source's settings for one test (tools, repositories, drill ports, media)."""
    for name, value in source.overrides().items():
        setattr(settings, name, value)
    return source


FIGURES: list[str] = []  # the drills' measured RTO and RPO, printed at the end of the run (CI logs keep them)


def pytest_terminal_summary(terminalreporter) -> None:
    if FIGURES:
        terminalreporter.section("backups: measured recovery")
        for line in FIGURES:
            terminalreporter.write_line(line)
