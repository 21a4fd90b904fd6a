"""The generated Prometheus rules, their promtool tests, the runbooks and the Alertmanager routing.

promtool/amtool come from Debian (`prometheus`, `prometheus-alertmanager`; `make system-deps`). Without them these
tests skip locally, and FAIL when CI is set.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.observability import slos

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "rules"
RULE_FILES = [RULES / "slo.rules.yml", RULES / "alerts.rules.yml"]
PROMTOOL_TESTS = sorted((ROOT / "deploy" / "prometheus" / "tests").glob("*.test.yml"))
ALERTMANAGER = ROOT / "deploy" / "alertmanager" / "alertmanager.yml"
RUNBOOKS = ROOT / "docs" / "runbooks"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path:
        return path
    message = f"{name} not found on PATH: apt-get install prometheus prometheus-alertmanager (make system-deps)"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)


def _alert_rules() -> list[dict]:
    rules = []
    for path in RULE_FILES:
        for group in yaml.safe_load(path.read_text())["groups"]:
            rules += [r for r in group["rules"] if "alert" in r]
    return rules


def test_generated_rule_files_are_up_to_date(tmp_path):
    call_command("generate_slo_rules", output_dir=tmp_path, stdout=open(os.devnull, "w"))  # noqa: SIM115
    for committed in RULE_FILES:
        assert (tmp_path / committed.name).read_text() == committed.read_text(), (
            f"{committed.relative_to(ROOT)} is stale: run `manage.py generate_slo_rules`"
        )
    call_command("generate_slo_rules", check=True, stdout=open(os.devnull, "w"))  # noqa: SIM115


def test_check_mode_reports_stale_files(tmp_path):
    (tmp_path / "slo.rules.yml").write_text("groups: []\n")
    with pytest.raises(CommandError, match="stale"):
        call_command("generate_slo_rules", output_dir=tmp_path, check=True)


def test_impossible_burn_rate_is_rejected():
    slo = slos.SLO(
        service="ocr",
        name="median",
        description="",
        objective=50,
        sli=slos.SLI(good="g", total="t"),
        alert_name="X",
        runbook="x.md",
        dashboard="x",
    )
    with pytest.raises(ValueError, match="can never happen"):
        slo.validate()


def test_every_alert_has_labels_annotations_and_a_runbook():
    rules = _alert_rules()
    names = {r["alert"] for r in rules}
    assert {
        "FilingBacklog",
        "QueueAgeHigh",
        "WorkerDown",
        "OcrFailureSpike",
        "AuditChainBroken",
        "AuditChainVerificationStale",
        "SyntheticCheckFailing",
        "SyntheticCheckSilent",
        "Watchdog",
        "OcrMedianLatencyHigh",
    } <= names
    for rule in rules:
        assert rule["labels"]["severity"] in {"page", "ticket", "none"}, rule["alert"]
        annotations = rule["annotations"]
        assert annotations["summary"], rule["alert"]
        assert annotations["dashboard_url"].startswith(slos.DASHBOARD_BASE_URL), rule["alert"]
        url = annotations["runbook_url"]
        assert url.startswith(slos.RUNBOOK_BASE_URL), rule["alert"]
        runbook = RUNBOOKS / url.removeprefix(slos.RUNBOOK_BASE_URL)
        assert runbook.is_file(), f"{rule['alert']}: {runbook} missing"
        text = runbook.read_text()
        for section in ("What it means", "How to confirm", "How to mitigate", "How to escalate"):
            assert f"## {section}" in text, f"{runbook.name}: no '{section}' section"


def test_filing_backlog_pages_within_two_minutes():
    (rule,) = [r for r in _alert_rules() if r["alert"] == "FilingBacklog"]
    assert rule["labels"]["severity"] == "page"
    assert rule["for"] == "1m"  # + 15 s scrape + 15 s evaluation + 10 s group_wait < 2 min


@pytest.mark.slow  # promtool/amtool processes
def test_promtool_check_rules_lint_fatal():
    result = _run(_tool("promtool"), "check", "rules", "--lint-fatal", *map(str, RULE_FILES))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow  # promtool/amtool processes
def test_promtool_check_config():
    result = _run(_tool("promtool"), "check", "config", "deploy/prometheus/prometheus.yml")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow  # promtool/amtool processes
def test_promtool_unit_tests_pass():
    assert PROMTOOL_TESTS, "no deploy/prometheus/tests/*.test.yml"
    result = _run(_tool("promtool"), "test", "rules", *map(str, PROMTOOL_TESTS))
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_a_promtool_test():
    tested = set()
    for path in PROMTOOL_TESTS:
        for case in yaml.safe_load(path.read_text())["tests"]:
            tested |= {t["alertname"] for t in case.get("alert_rule_test", []) if t.get("exp_alerts")}
    assert {r["alert"] for r in _alert_rules()} <= tested


@pytest.mark.slow  # promtool/amtool processes
def test_amtool_check_config():
    result = _run(_tool("amtool"), "check-config", str(ALERTMANAGER))
    assert result.returncode == 0, result.stdout + result.stderr


def test_alertmanager_keeps_secrets_in_files():
    config = yaml.safe_load(ALERTMANAGER.read_text())
    receivers = {r["name"]: r for r in config["receivers"]}
    for pd in receivers["pagerduty-oncall"]["pagerduty_configs"]:
        assert pd["routing_key_file"].startswith("/etc/alertmanager/secrets/") and "routing_key" not in pd
    for slack in receivers["slack-alerts"]["slack_configs"]:
        assert slack["api_url_file"].startswith("/etc/alertmanager/secrets/") and "api_url" not in slack


@pytest.mark.slow  # one amtool process per route
@pytest.mark.parametrize(
    ("labels", "receivers"),
    [
        (["alertname=FilingBacklog", "severity=page"], "pagerduty-oncall,slack-alerts"),
        (
            ["alertname=PortalAvailabilityBudgetBurn", "severity=page", "sloth_slo=availability"],
            "pagerduty-oncall,slack-alerts",
        ),
        (["alertname=PortalAvailabilityBudgetBurn", "severity=ticket", "sloth_slo=availability"], "slack-alerts"),
        (["alertname=QueueAgeHigh", "severity=ticket", "queue=ocr"], "slack-alerts"),
        (["alertname=Watchdog", "severity=none"], "deadmans-switch"),
        (["alertname=SomethingNew"], "slack-alerts"),
    ],
)
def test_alertmanager_routes(labels, receivers):
    result = _run(
        _tool("amtool"),
        "config",
        "routes",
        "test",
        f"--config.file={ALERTMANAGER}",
        f"--verify.receivers={receivers}",
        *labels,
    )
    assert result.returncode == 0, result.stdout + result.stderr
