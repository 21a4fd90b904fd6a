"""`make check-deploy` works from a fresh shell; `make demo PORT=…` points the demo's own URLs at that port."""

from __future__ import annotations

import json
import os
import shlex
import subprocess

import pytest

from tests.config.test_production_settings import ROOT, _manage

pytestmark = pytest.mark.slow  # make and manage.py in child processes: the slow tier

FRESH_SHELL = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}


def _make(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "--no-print-directory", *args], cwd=ROOT, env=FRESH_SHELL, capture_output=True, text=True, timeout=300
    )


def test_check_deploy_passes_from_a_fresh_shell_with_the_production_checks():
    result = _make("-s", "check-deploy")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "THROWAWAY" in result.stdout and "System check identified no issues" in result.stdout


def test_check_deploy_inherits_nothing_from_the_shell():
    """A shell variable (here a broken HMRC URL) must not change what the dry run checks."""
    result = subprocess.run(
        ["make", "-s", "check-deploy"], cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**FRESH_SHELL, "HMRC_AUTHORIZE_URL": "http://phish.example/", "FIELD_ENCRYPTION_KEKS": "garbled"},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def _demo_commands(*args: str) -> list[list[str]]:
    result = _make("-n", "demo", *args)
    assert result.returncode == 0, result.stderr
    return [shlex.split(line) for line in result.stdout.splitlines() if "manage.py" in line and "import" not in line]


def test_demo_site_url_follows_host_and_port():
    commands = _demo_commands("PORT=8101")
    runserver = next(c for c in commands if "runserver" in c)
    seed = next(c for c in commands if "seed_demo" in c)
    for command in (runserver, seed):
        assert "SITE_URL=http://127.0.0.1:8101" in command, command
    assert "127.0.0.1:8101" in runserver


def test_the_demo_settings_send_every_sandbox_to_that_port(tmp_path):
    code = (
        "import json; from django.conf import settings as s; print(json.dumps([s.HMRC_API_BASE_URL, "
        "s.HMRC_AUTHORIZE_URL, s.COMPANIES_HOUSE_BASE_URL, s.BANK_FEED_BASE_URL]))"
    )
    result = _manage(
        "shell", "-v", "0", "-c", code, STRONGROOM_ENV="development", SITE_URL="http://127.0.0.1:8101",
        STRONGROOM_VAR_DIR=str(tmp_path),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert all(url.startswith("http://127.0.0.1:8101/sandbox/") for url in json.loads(result.stdout))


def test_make_test_s_parallel_workers_run_on_the_embedded_sqlite_database():
    """`make test` on a fresh machine runs on SQLite with one pytest-xdist worker per core: each worker must get
    its own in-memory test database (a path-derived name broke every test once)."""
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "pytest"), "-q", "-p", "no:cacheprovider", "-n", "2", "--no-cov",
         "tests/core/test_lookups.py", "tests/reports/test_aged.py"],
        cwd=ROOT, env={**FRESH_SHELL, "STRONGROOM_ENV": "test"}, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "error" not in result.stdout.lower()
