"""Production refuses HMRC and proxy settings that would send wrong fraud-prevention headers.

The unit tests run the check on a settings stand-in; the process tests start
``manage.py check --deploy``, gunicorn and a Celery worker under production
settings, as the deployment does.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from types import SimpleNamespace

import pytest

from apps.integrations.checks import production_settings_errors
from tests.config.test_production_settings import ROOT, _child_env, _manage, production_env

GOOD = {
    "STRONGROOM_ENV": "production",
    "HMRC_API_BASE_URL": "https://api.service.hmrc.gov.uk",
    "HMRC_AUTHORIZE_URL": "https://www.tax.service.gov.uk/oauth/authorize",
    "HMRC_CLIENT_ID": "a-client-id",
    "VENDOR_PUBLIC_IP": "51.140.20.7",
    "BEHIND_TLS_PROXY": True,
    "TRUSTED_PROXY_COUNT": 1,
    "CLIENT_PORT_HEADER": "X-Client-Port",
    "SITE_URL": "https://strongroom.example",
}


def _ids(monkeypatch, secret: str = "a-secret", **changes) -> list[str]:
    monkeypatch.setenv("HMRC_CLIENT_SECRET", secret)
    return [error.id for error in production_settings_errors(SimpleNamespace(**{**GOOD, **changes}))]


def test_a_complete_production_configuration_passes(monkeypatch):
    assert _ids(monkeypatch) == []
    sandbox = {"HMRC_API_BASE_URL": "https://test-api.service.hmrc.gov.uk/"}
    assert _ids(monkeypatch, **sandbox, HMRC_AUTHORIZE_URL="https://test-www.tax.service.gov.uk/oauth/authorize") == []


def test_nothing_is_required_outside_production(monkeypatch):
    assert _ids(monkeypatch, secret="", STRONGROOM_ENV="development", HMRC_API_BASE_URL="", SITE_URL="http://x") == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"HMRC_API_BASE_URL": ""}, ["integrations.E001", "integrations.E002"]),
        ({"HMRC_API_BASE_URL": "http://api.service.hmrc.gov.uk"}, ["integrations.E001", "integrations.E002"]),
        ({"HMRC_API_BASE_URL": "https://hmrc.attacker.example"}, ["integrations.E001", "integrations.E002"]),
        ({"HMRC_AUTHORIZE_URL": ""}, ["integrations.E002"]),
        ({"HMRC_AUTHORIZE_URL": "http://www.tax.service.gov.uk/oauth/authorize"}, ["integrations.E002"]),
        ({"HMRC_AUTHORIZE_URL": "https://phish.example/oauth/authorize"}, ["integrations.E002"]),
        ({"HMRC_AUTHORIZE_URL": "https://test-www.tax.service.gov.uk/oauth/authorize"}, ["integrations.E002"]),
        ({"HMRC_AUTHORIZE_URL": "https://www.tax.service.gov.uk/"}, ["integrations.E002"]),
        ({"HMRC_CLIENT_ID": " "}, ["integrations.E003"]),
        ({"VENDOR_PUBLIC_IP": ""}, ["integrations.E005"]),
        ({"VENDOR_PUBLIC_IP": "10.0.0.5"}, ["integrations.E005"]),
        ({"VENDOR_PUBLIC_IP": "203.0.113.10"}, ["integrations.E005"]),  # documentation range, as in env.example
        ({"VENDOR_PUBLIC_IP": "strongroom.example"}, ["integrations.E005"]),
        ({"TRUSTED_PROXY_COUNT": 0}, ["integrations.E006"]),
        ({"CLIENT_PORT_HEADER": ""}, ["integrations.E007"]),
        ({"SITE_URL": "http://strongroom.example"}, ["integrations.E008"]),
    ],
)
def test_each_missing_or_inconsistent_setting_is_an_error(monkeypatch, changes, expected):
    assert _ids(monkeypatch, **changes) == expected


def test_no_proxy_and_no_forwarding_is_consistent(monkeypatch):
    assert _ids(monkeypatch, BEHIND_TLS_PROXY=False, TRUSTED_PROXY_COUNT=0) == []


def test_the_client_secret_is_required(monkeypatch):
    assert _ids(monkeypatch, secret="") == ["integrations.E004"]


def test_check_deploy_reports_each_missing_setting_with_what_to_set(tmp_path):
    env = production_env(tmp_path)
    for name in ("HMRC_AUTHORIZE_URL", "VENDOR_PUBLIC_IP", "TRUSTED_PROXY_COUNT"):
        env.pop(name)
    result = _manage("check", "--deploy", **env)
    assert result.returncode == 1
    for expected in (
        "integrations.E002",
        "Set HMRC_AUTHORIZE_URL=https://www.tax.service.gov.uk/oauth/authorize",
        "integrations.E005",
        "Set VENDOR_PUBLIC_IP",
        "integrations.E006",
        "Set TRUSTED_PROXY_COUNT",
    ):
        assert expected in result.stderr, result.stderr
    assert "integrations.E001" not in result.stderr


def _start(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run a server command that should exit on its own; stopped (its process group) if it does not."""
    proc = subprocess.Popen(
        command, cwd=ROOT, env=_child_env(env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        out, _ = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        pytest.fail(f"{command[2]} started with incomplete production settings:\n{out}")
    return subprocess.CompletedProcess(command, proc.returncode, out, "")


def test_gunicorn_refuses_to_start_with_incomplete_production_settings(tmp_path):
    env = production_env(tmp_path)
    env.pop("VENDOR_PUBLIC_IP")
    env["GUNICORN_BIND"] = "127.0.0.1:0"
    result = _start([sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "config.wsgi"], env)
    assert result.returncode != 0
    assert "Strongroom will not start" in result.stdout and "Set VENDOR_PUBLIC_IP" in result.stdout, result.stdout
    assert "Booting worker" not in result.stdout


@pytest.mark.slow  # a celery worker process
def test_celery_worker_refuses_to_start_with_incomplete_production_settings(tmp_path):
    env = production_env(tmp_path)
    env["HMRC_AUTHORIZE_URL"] = "https://test-www.tax.service.gov.uk/oauth/authorize"  # other HMRC environment
    env["CELERY_BROKER_URL"] = "redis://127.0.0.1:1/0"  # never reached: it stops before connecting
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "-l", "INFO"]
    result = _start(command, env)
    assert result.returncode != 0
    assert "integrations.E002" in result.stdout and "Set HMRC_AUTHORIZE_URL" in result.stdout, result.stdout
