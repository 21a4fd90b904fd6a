"""The sandbox's tables in their own database alias, only when that alias exists (the SQLite demo)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap

import pytest
from django.conf import settings

from apps.sandbox import routers
from apps.sandbox.models import Fault, TestOrganisation
from apps.tenancy.models import Tenant
from tests.helpers import ROOT


def test_no_alias_no_opinion():
    assert "sandbox" not in settings.DATABASES  # tests and PostgreSQL never have it
    router = routers.SandboxRouter()
    assert router.db_for_read(Fault) is None and router.db_for_write(Fault) is None
    assert router.allow_migrate("default", "sandbox") is None
    assert router.allow_migrate("owner", "tenancy") is None
    assert routers.db_alias() == "default"


def test_with_the_alias(monkeypatch):
    monkeypatch.setattr(routers, "_has_alias", lambda: True)
    router = routers.SandboxRouter()
    assert router.db_for_read(Fault) == "sandbox" and router.db_for_write(TestOrganisation) == "sandbox"
    assert router.db_for_read(Tenant) is None
    assert router.allow_migrate("sandbox", "sandbox") is True
    assert router.allow_migrate("default", "sandbox") is False
    assert router.allow_migrate("sandbox", "tenancy") is False
    assert router.allow_migrate("default", "tenancy") is None
    assert router.allow_relation(Fault(), TestOrganisation()) is None
    assert router.allow_relation(Fault(), Tenant()) is False
    assert routers.db_alias() == "sandbox"


SCRIPT = textwrap.dedent(
    """
    import threading
    from django.conf import settings
    from django.db import transaction
    from apps.sandbox.services.faults import current_faults, set_fault
    from apps.tenancy.models import Tenant

    assert settings.DATABASES["sandbox"]["NAME"].endswith("sandbox.sqlite3"), settings.DATABASES
    errors = []

    def sandbox_write():
        try:
            set_fault("hmrc", outage=True)
        except Exception as exc:  # what the demo saw: database is locked
            errors.append(repr(exc))

    with transaction.atomic():
        Tenant.objects.create(name="Lockstep Ltd", slug="lockstep")  # the portal holds a write lock
        worker = threading.Thread(target=sandbox_write)  # the sandbox's request, on its own connection
        worker.start()
        worker.join(30)
    assert not errors, errors
    assert current_faults("hmrc").outage
    print("OK")
    """
)


def _tables(path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


@pytest.mark.slow  # migrates a demo database in a child process (over a minute)
def test_demo_mode_keeps_the_sandbox_in_its_own_sqlite_file(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CELERY_", "CACHE_", "REQUIRE_"))}
    env |= {"STRONGROOM_ENV": "development", "STRONGROOM_VAR_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    manage = [sys.executable, str(ROOT / "manage.py")]

    def run(*args: str) -> str:
        done = subprocess.run([*manage, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    run("migrate", "--no-input", "-v", "0")
    run("migrate", "--database", "sandbox", "--no-input", "-v", "0")
    main, sandbox = _tables(tmp_path / "strongroom.sqlite3"), _tables(tmp_path / "sandbox.sqlite3")
    assert "sandbox_fault" in sandbox and "sandbox_vatreturn" in sandbox
    assert not any(t.startswith("sandbox_") for t in main)
    assert "tenancy_tenant" in main and "tenancy_tenant" not in sandbox
    assert "OK" in run("shell", "-c", SCRIPT)
