"""Grafana dashboards as code: ``manage.py generate_dashboards`` writes deploy/grafana/dashboards/*.json.

One dashboard per domain (ingestion, filing, onboarding, platform); each uid is what the alert
rules' ``dashboard_url`` points at (:data:`apps.observability.slos` ``dashboard``). Every dashboard
has the same rows: SLOs (SLI over 30 days, error budget left, burn rates, firing alerts), rate /
errors / duration, saturation (queues, workers, database) and dependencies. The JSON is committed;
a test fails when it is stale, lints every panel's PromQL with promtool, and checks every metric
name is one the application (or the generated recording rules, or Prometheus itself) exports.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from apps.observability import slos

DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
RATE = "$__rate_interval"


@dataclass
class Domain:
    uid: str
    title: str
    services: tuple[str, ...]  # sloth_service values of its SLOs
    alerts: tuple[str, ...]  # alert names shown in its "firing alerts" panel
    rows: list[tuple[str, list[dict]]] = field(default_factory=list)


class _Layout:
    def __init__(self) -> None:
        self.y = 0
        self.x = 0
        self.next_id = 1
        self.panels: list[dict] = []

    def row(self, title: str) -> None:
        if self.x:
            self.y += 8
            self.x = 0
        self.panels.append(
            {
                "type": "row",
                "title": title,
                "id": self._id(),
                "collapsed": False,
                "gridPos": {"h": 1, "w": 24, "x": 0, "y": self.y},
                "panels": [],
            }
        )
        self.y += 1

    def add(self, panel: dict, width: int = 8, height: int = 8) -> None:
        if self.x + width > 24:
            self.y += height
            self.x = 0
        panel["gridPos"] = {"h": height, "w": width, "x": self.x, "y": self.y}
        panel["id"] = self._id()
        self.panels.append(panel)
        self.x += width

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id - 1


def _targets(exprs: list[tuple[str, str]]) -> list[dict]:
    return [
        {"refId": chr(65 + i), "expr": e, "legendFormat": legend, "datasource": DATASOURCE}
        for i, (e, legend) in enumerate(exprs)
    ]


def timeseries(title: str, exprs: list[tuple[str, str]], unit: str = "short", description: str = "") -> dict:
    return {
        "type": "timeseries",
        "title": title,
        "description": description,
        "datasource": DATASOURCE,
        "targets": _targets(exprs),
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "options": {"legend": {"displayMode": "list", "placement": "bottom"}},
    }


def stat(title: str, expr: str, unit: str = "percentunit", description: str = "") -> dict:
    return {
        "type": "stat",
        "title": title,
        "description": description,
        "datasource": DATASOURCE,
        "targets": _targets([(expr, "")]),
        "fieldConfig": {"defaults": {"unit": unit, "decimals": 3}, "overrides": []},
        "options": {"reduceOptions": {"calcs": ["lastNotNull"]}, "colorMode": "value"},
    }


def alerts_table(title: str, names: tuple[str, ...]) -> dict:
    pattern = "|".join(names)
    return {
        "type": "table",
        "title": title,
        "datasource": DATASOURCE,
        "targets": [
            {
                **_targets([(f'ALERTS{{alertstate="firing", alertname=~"{pattern}"}}', "")])[0],
                "format": "table",
                "instant": True,
            }
        ],
        "fieldConfig": {"defaults": {}, "overrides": []},
        "options": {"showHeader": True},
    }


def _sel(slo: slos.SLO) -> str:
    return f'{{sloth_id="{slo.id}"}}'


def slo_row(layout: _Layout, domain: Domain) -> None:
    layout.row("SLOs")
    for slo in [s for s in slos.SLOS if s.service in domain.services]:
        sel = _sel(slo)
        layout.add(
            stat(
                f"{slo.name}: SLI (30 d, objective {slo.objective:g}%)",
                f"1 - slo:sli_error:ratio_rate30d{sel}",
                description=slo.description,
            ),
            width=6,
        )
        layout.add(stat(f"{slo.name}: error budget left", f"slo:period_error_budget_remaining:ratio{sel}"), width=6)
        layout.add(
            timeseries(
                f"{slo.name}: burn rate",
                [
                    (f"slo:sli_error:ratio_rate{w}{sel} / on (sloth_id) group_left slo:error_budget:ratio{sel}", w)
                    for w in ("5m", "1h", "6h", "3d")
                ],
                unit="x",
            ),
            width=12,
        )
    layout.add(alerts_table("Firing alerts", domain.alerts), width=24, height=6)


def _q(expr: str) -> str:
    return expr.replace("RATE", RATE)


def _p(q: str, metric: str, by: str = "") -> str:
    grouping = f"le, {by}" if by else "le"
    return f"histogram_quantile({q}, sum by ({grouping}) (rate({metric}_bucket[{RATE}])))"


def saturation(queues: tuple[str, ...]) -> list[tuple[dict, int]]:
    sel = f'{{queue=~"{"|".join(queues)}"}}'
    return [
        (timeseries("Queue depth", [(f"max by (queue) (strongroom_queue_depth{sel})", "{{queue}}")]), 8),
        (
            timeseries(
                "Oldest message age",
                [(f"max by (queue) (strongroom_queue_oldest_message_age_seconds{sel})", "{{queue}}")],
                unit="s",
            ),
            8,
        ),
        (
            timeseries(
                "Workers up",
                [('sum(up{job="strongroom-worker"})', "up"), ('count(up{job="strongroom-worker"})', "scraped")],
            ),
            8,
        ),
        (
            timeseries(
                "Database query time p95",
                [(_p(0.95, "django_db_query_duration_seconds", "alias"), "{{alias}}")],
                unit="s",
            ),
            8,
        ),
        (
            timeseries(
                "Database errors and new connections",
                [
                    (_q("sum by (alias) (rate(django_db_errors_total[RATE]))"), "errors {{alias}}"),
                    (_q("sum by (alias) (rate(django_db_new_connections_total[RATE]))"), "connections {{alias}}"),
                ],
            ),
            8,
        ),
    ]


def external(client: str) -> list[tuple[dict, int]]:
    sel = f'client="{client}"'
    return [
        (
            timeseries(
                f"{client} calls by outcome",
                [(_q(f"sum by (outcome) (rate(strongroom_external_calls_total{{{sel}}}[RATE]))"), "{{outcome}}")],
            ),
            8,
        ),
        (
            timeseries(
                f"{client} call latency p95",
                [
                    (
                        f"histogram_quantile(0.95, sum by (le, operation) "
                        f"(rate(strongroom_external_call_duration_seconds_bucket{{{sel}}}[{RATE}])))",
                        "{{operation}}",
                    )
                ],
                unit="s",
            ),
            8,
        ),
        (
            timeseries(
                f"{client} circuit breaker (0 closed, 1 half-open, 2 open)",
                [
                    (f'max(strongroom_circuit_breaker_state{{breaker="{client}"}})', "state"),
                    (
                        f'sum by (state) (increase(strongroom_circuit_breaker_transitions_total{{breaker="{client}"}}'
                        f"[{RATE}]))",
                        "entered {{state}}",
                    ),
                ],
                description="The breaker's shared state (decision 0016) and its transitions; an open breaker sets "
                "the dependency's banner.",
            ),
            8,
        ),
    ]


def slos_queues() -> tuple[str, ...]:
    from apps.observability.collectors import QUEUES

    return QUEUES


def dashboard(domain: Domain) -> dict[str, Any]:
    layout = _Layout()
    slo_row(layout, domain)
    for title, panels in domain.rows:
        layout.row(title)
        for panel, width in panels:
            layout.add(panel, width=width)
    return {
        "uid": domain.uid,
        "title": domain.title,
        "tags": ["strongroom", "generated"],
        "timezone": "utc",
        "schemaVersion": 39,
        "version": 1,
        "editable": False,
        "time": {"from": "now-6h", "to": "now"},
        "refresh": "30s",
        "templating": {
            "list": [
                {
                    "name": "datasource",
                    "type": "datasource",
                    "query": "prometheus",
                    "current": {"text": "Prometheus", "value": "prometheus"},
                    "hide": 0,
                }
            ]
        },
        "annotations": {"list": []},
        "links": [{"title": "Runbooks", "type": "link", "url": slos.RUNBOOK_BASE_URL, "targetBlank": True}],
        "panels": layout.panels,
    }


def dashboards() -> dict[str, str]:
    """File name -> JSON text."""
    out = {}
    from apps.observability.dashboards import domains

    for domain in domains():
        name = domain.uid.removeprefix("strongroom-") + ".json"
        out[name] = json.dumps(dashboard(domain), indent=2, ensure_ascii=False) + "\n"
    return out


def panel_exprs(model: dict[str, Any]) -> list[tuple[str, str]]:
    """(panel title, expr) for every target of every panel (rows included)."""
    found = []
    for panel in model.get("panels", []):
        for inner in [panel, *panel.get("panels", [])]:
            for target in inner.get("targets", []):
                if target.get("expr"):
                    found.append((inner.get("title", ""), target["expr"]))
    return found
