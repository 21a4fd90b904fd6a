"""Grafana dashboards: up to date, provisioned, PromQL valid (promtool), every metric exported by the app."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from apps.observability import grafana

ROOT = Path(__file__).resolve().parents[2]
DASHBOARDS = ROOT / "deploy" / "grafana" / "dashboards"
RULES = ROOT / "deploy" / "prometheus" / "rules"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
# Series Prometheus makes itself: scrape health and the alert state.
PROMETHEUS_BUILTINS = {"up", "ALERTS", "ALERTS_FOR_STATE", "scrape_duration_seconds", "scrape_samples_scraped"}
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset"}


def models() -> dict[str, dict]:
    return {p.name: json.loads(p.read_text()) for p in sorted(DASHBOARDS.glob("*.json"))}


def metric_names(expr: str) -> set[str]:
    """Metric names in a PromQL expression: strings, label sets, ranges and grouping clauses removed first."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    names = set()
    for match in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", text):
        name, rest = match.group(0), text[match.end() :].lstrip()
        if rest.startswith("(") or name in KEYWORDS or name.startswith("__"):
            continue  # a function call or a keyword
        names.add(name)
    return names


def exported_names(client) -> set[str]:
    """What the application exports (its registry after a request, incl. django-prometheus and collectors)."""
    from prometheus_client import REGISTRY

    client.get("/health/live")
    import django_prometheus.db  # noqa: F401  (database metrics are defined at import)

    names = set(REGISTRY._names_to_collectors)
    for group_file in RULES.glob("*.rules.yml"):
        for group in yaml.safe_load(group_file.read_text())["groups"]:
            names |= {r["record"] for r in group["rules"] if "record" in r}
    return names | PROMETHEUS_BUILTINS


def test_committed_dashboards_are_up_to_date(tmp_path):
    call_command("generate_dashboards", output_dir=tmp_path, stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(models())
    for path in tmp_path.iterdir():
        assert path.read_text() == (DASHBOARDS / path.name).read_text(), f"{path.name} is stale: generate_dashboards"


def test_one_dashboard_per_domain_with_the_uids_the_alerts_link_to():
    uids = {m["uid"] for m in models().values()}
    assert uids == {"strongroom-ingestion", "strongroom-filing", "strongroom-onboarding", "strongroom-platform"}
    linked = set()
    for rule_file in RULES.glob("*.rules.yml"):
        for group in yaml.safe_load(rule_file.read_text())["groups"]:
            for rule in group["rules"]:
                if "alert" in rule:
                    linked.add(rule["annotations"]["dashboard_url"].rsplit("/", 1)[-1])
    assert linked <= uids, f"alerts link to dashboards that do not exist: {linked - uids}"


def test_every_dashboard_has_the_standard_rows():
    for name, model in models().items():
        rows = [p["title"] for p in model["panels"] if p["type"] == "row"]
        assert rows[0] == "SLOs", name
        assert any(r.startswith("Rate") for r in rows) and "Saturation" in rows, (name, rows)
        slo_panels = " ".join(e for _, e in grafana.panel_exprs(model))
        assert "slo:period_error_budget_remaining:ratio" in slo_panels and "ALERTS{" in slo_panels, name


def test_provisioning_points_at_the_dashboards_and_prometheus():
    provider = yaml.safe_load((ROOT / "deploy/grafana/provisioning/dashboards/strongroom.yaml").read_text())
    assert provider["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"
    sources = yaml.safe_load((ROOT / "deploy/grafana/provisioning/datasources/prometheus.yaml").read_text())
    assert {"prometheus", "alertmanager"} <= {s["uid"] for s in sources["datasources"]}


def test_metric_name_extraction():
    expr = ('sum by (le, view) (rate(django_x_bucket{view!~"a|b", le="1.0"}[5m])) / on (sloth_id) group_left '
            "slo:error_budget:ratio{sloth_id=\"x\"} and up == 0")  # fmt: skip
    assert metric_names(expr) == {"django_x_bucket", "slo:error_budget:ratio", "up"}


@pytest.mark.django_db
def test_every_metric_in_every_panel_is_exported(client):
    exported = exported_names(client)
    missing = {}
    for name, model in models().items():
        for title, expr in grafana.panel_exprs(model):
            unknown = metric_names(expr) - exported
            if unknown:
                missing[f"{name}: {title}"] = sorted(unknown)
    assert not missing, f"panels use metrics nothing exports: {missing}"


@pytest.mark.slow  # a promtool process
def test_every_panel_expression_is_valid_promql(tmp_path):
    promtool = shutil.which("promtool")
    if not promtool:
        message = "promtool not found: apt-get install prometheus (make test-system-deps)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    rules = []
    for name, model in models().items():
        for i, (_title, expr) in enumerate(grafana.panel_exprs(model)):
            concrete = expr.replace("$__rate_interval", "5m").replace("$__interval", "1m")
            concrete = re.sub(r"\$\{?\w+\}?", ".*", concrete)
            rules.append({"record": f"dashboard:lint:{Path(name).stem}_{i}", "expr": concrete})
    path = tmp_path / "dashboards.rules.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard-lint", "rules": rules}]}))
    result = subprocess.run([promtool, "check", "rules", str(path)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(rules)} rules found" in result.stdout
