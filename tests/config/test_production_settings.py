"""Production settings pass Django's deployment checks, and refuse to start without their secrets."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


# Settings a child process must not inherit from the test process: it gets exactly what a test gives it.
_NOT_INHERITED = (
    "DATABASE_", "SECRET_KEY", "STRONGROOM_", "FIELD_ENCRYPTION_", "HMRC_", "VENDOR_", "TRUSTED_PROXY_COUNT",
    "CLIENT_PORT_HEADER", "BEHIND_TLS_PROXY", "SITE_URL", "CELERY_", "CACHE_URL", "ALLOWED_HOSTS",
    "SECRETS_", "XDG_CONFIG_HOME",  # the test run's own keystore (issue #15)
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by the browser suites for their own process only
)  # fmt: skip


def _child_env(env: dict[str, str]) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if not k.startswith(_NOT_INHERITED)}, **env}


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=_child_env(env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def production_env(var_dir: Path) -> dict[str, str]:
    """A complete production configuration, with throwaway secrets (never real ones)."""
    return {
        "STRONGROOM_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEKS": "1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
        "ALLOWED_HOSTS": "portal.strongroom.example",
        "STRONGROOM_VAR_DIR": str(var_dir),
        "SITE_URL": "https://portal.strongroom.example",
        "BEHIND_TLS_PROXY": "true",
        "TRUSTED_PROXY_COUNT": "1",
        "CLIENT_PORT_HEADER": "X-Client-Port",
        "VENDOR_PUBLIC_IP": "51.140.20.7",
        "HMRC_API_BASE_URL": "https://api.service.hmrc.gov.uk",
        "HMRC_AUTHORIZE_URL": "https://www.tax.service.gov.uk/oauth/authorize",
        "HMRC_CLIENT_ID": "throwaway-client-id",
        "HMRC_CLIENT_SECRET": "throwaway-client-secret",
    }


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_staging_is_production_hardened_with_weekly_drills(tmp_path):
    """Staging runs the production checks and defaults (no sandbox, secure cookies); only the schedules differ."""
    code = (
        "from django.conf import settings as s; "
        "print(s.IS_PRODUCTION, s.IS_STAGING, s.SANDBOX_ENABLED, s.SESSION_COOKIE_SECURE, s.DEBUG, "
        "s.RESTORE_DRILL_MAX_AGE_DAYS, s.CELERY_BEAT_SCHEDULE['restore-drill']['schedule'].day_of_week == {1}, "
        "'chaos-weekly' in s.CELERY_BEAT_SCHEDULE)"
    )
    env = {**production_env(tmp_path), "STRONGROOM_ENV": "staging"}
    result = _manage("shell", "-v", "0", "-c", code, **env)
    assert result.stdout.split() == ["True", "True", "False", "True", "False", "8", "True", "True"], result.stderr
    refused = _manage("check", **{**env, "SANDBOX_ENABLED": "true"})
    assert refused.returncode != 0
    assert "SANDBOX_ENABLED must be off in production" in refused.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = _manage("check", STRONGROOM_ENV="production", STRONGROOM_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "SECRET_KEY must be provided in production" in result.stderr
    assert not (tmp_path / "secret_key").exists()


def test_production_runs_no_chaos_and_drills_monthly(tmp_path):
    code = (
        "from django.conf import settings as s; "
        "print('chaos-weekly' in s.CELERY_BEAT_SCHEDULE, "
        "s.CELERY_BEAT_SCHEDULE['restore-drill']['schedule'].day_of_month)"
    )
    result = _manage("shell", "-v", "0", "-c", code, **production_env(tmp_path))
    assert result.stdout.split() == ["False", "{1}"], result.stderr


def test_production_cookies_and_headers(tmp_path):
    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, "
        "s.SECURE_SSL_REDIRECT, s.DEBUG, s.PASSWORD_HASHERS[0].rsplit('.', 1)[1])"
    )
    result = _manage("shell", "-v", "0", "-c", code, **production_env(tmp_path))
    assert result.stdout.split() == [
        "__Host-sessionid",
        "__Host-csrftoken",
        "True",
        "63072000",
        "True",
        "False",
        "Argon2PasswordHasher",
    ], result.stderr


@pytest.mark.slow  # child processes
def test_demo_generates_its_secret_key_once_outside_git(tmp_path):
    """The demo's secrets live in a sealed keystore in var/, its key in a 0600 file outside the repository."""
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    env = {
        "STRONGROOM_ENV": "development",
        "STRONGROOM_VAR_DIR": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
    }
    first = _manage("shell", "-v", "0", "-c", code, **env)
    second = _manage("shell", "-v", "0", "-c", code, **env)
    assert first.stdout == second.stdout and len(first.stdout.strip()) >= 50, first.stderr
    assert not (tmp_path / "secret_key").exists()
    assert first.stdout.strip() not in (tmp_path / "secrets.keystore").read_text()
    (key_file,) = (tmp_path / "cfg" / "strongroom").glob("keystore-*.key")
    assert oct(key_file.stat().st_mode)[-3:] == "600"
