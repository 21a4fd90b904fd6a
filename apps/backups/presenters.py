"""What the Data & backups page and the staff backup console show: facts in words, durations, the drill trend.

Reads go through ``apps.backups.selectors``; this module only shapes them, so both views stay
"parse, authorise, call, render" and the two pages describe the same catalog the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from apps.backups import selectors
from apps.backups.models import PG_KINDS, BackupKind, DrillStatus, RestoreDrill

TREND_DRILLS = 20  # the newest finished drills in the RTO/RPO trend
REPOSITORY_LABELS = {
    "pgbackrest": "Database backups and WAL archive (pgBackRest)",
    "restic": "Document snapshots (restic)",
    "sqlite": "Database copies (SQLite online backup)",
}
ENGINE_LABELS = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}


def duration(seconds: float | None) -> str:
    """``754.2`` → ``"12 min 34 s"``; ``None`` → ``"not measured"`` (a drill that failed before timing)."""
    if seconds is None:
        return "not measured"
    whole = round(seconds)
    if whole < 60:
        return f"{seconds:.1f} s" if seconds < 10 else f"{whole} s"
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {secs} s" if secs else f"{minutes} min"


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # the tooltip and the screen reader's text for one drill
    over: bool  # over the objective (or failed): drawn in the warning colour


@dataclass(frozen=True)
class Trend:
    """An inline SVG bar chart of one drill figure, oldest left, with the objective as a dashed line."""

    title: str
    bars: list[Bar]
    objective_y: float
    width: int
    height: int
    summary: str


def _trend(drills: list[RestoreDrill], attr: str, objective: float, title: str) -> Trend:
    width, height, pad, step = 24 * TREND_DRILLS, 90, 4, 24
    measured = [getattr(d, attr) for d in drills if getattr(d, attr) is not None]
    top = max([objective, *measured]) * 1.15 or 1.0

    def y(value: float) -> float:
        return round(pad + (1 - value / top) * (height - 2 * pad), 1)

    bars = []
    for i, drill in enumerate(drills):
        value = getattr(drill, attr)
        if value is None:
            continue
        when = timezone.localtime(drill.finished_at).strftime("%-d %b %H:%M") if drill.finished_at else "unfinished"
        bars.append(
            Bar(
                x=i * step + 3,
                y=y(value),
                width=step - 6,
                height=round(max(y(0) - y(value), 1.0), 1),
                label=f"{when}: {duration(value)} ({drill.get_status_display().lower()})",
                over=value > objective or drill.status == DrillStatus.FAILED,
            )
        )
    summary = (
        f"{title} of the last {len(bars)} drill(s): newest {bars[-1].label}; objective {duration(objective)}"
        if bars
        else f"No drill has measured its {title.lower()} yet"
    )
    return Trend(title=title, bars=bars, objective_y=y(objective), width=width, height=height, summary=summary)


def _drill_row(drill: RestoreDrill, rto_objective: float) -> dict[str, Any]:
    checks = [c for c in drill.checks or [] if isinstance(c, dict)]
    phases = [
        (name, duration(seconds)) for name, seconds in (drill.phases or {}).items() if isinstance(seconds, int | float)
    ]
    return {
        "drill": drill,
        "rto": duration(drill.rto_seconds),
        "rpo": duration(drill.rpo_seconds),
        "rto_over": drill.rto_seconds is not None and drill.rto_seconds > rto_objective,
        "phases": phases,
        "checks_passed": sum(1 for c in checks if c.get("passed")),
        "checks_total": len(checks),
        "failed_checks": [c for c in checks if not c.get("passed")],
    }


def data_and_backups() -> dict[str, Any]:
    """Everything the business page shows: where data lives, the last backups, the window, the last passed drill."""
    facts = selectors.storage_facts()
    database = facts["database"]
    drill = selectors.last_passed_drill()
    return {
        "database": {**database, "engine_label": ENGINE_LABELS.get(database["engine"], database["engine"])},
        "documents": facts["documents"],
        "repositories": [
            {**repo, "label": REPOSITORY_LABELS.get(repo["kind"], repo["kind"])} for repo in facts["repositories"]
        ],
        "pitr_available": facts["pitr_available"],
        "postgres": database["engine"] == "postgresql",
        "last_database_backup": selectors.last_successful((*PG_KINDS, BackupKind.SQLITE)),
        "last_documents_backup": selectors.last_successful((BackupKind.DOCUMENTS,)),
        "window": selectors.recoverable_window(),
        "last_passed_drill": drill,
        "last_passed_rto": duration(drill.rto_seconds) if drill else "",
        "last_passed_rpo": duration(drill.rpo_seconds) if drill else "",
        "rto_objective": duration(facts["rto_objective_seconds"]),
        "rpo_objective": duration(facts["rpo_objective_seconds"]),
    }


def console() -> dict[str, Any]:
    """The staff page: the catalog, the drills and their trend, on top of the business page's facts."""
    facts = selectors.storage_facts()
    drills = list(selectors.drills())
    finished = [d for d in drills if d.status in (DrillStatus.PASSED, DrillStatus.FAILED)][:TREND_DRILLS][::-1]
    return {
        **data_and_backups(),
        "backups": list(selectors.catalog()),
        "drills": [_drill_row(d, facts["rto_objective_seconds"]) for d in drills],
        "drill_in_progress": any(d.status in (DrillStatus.QUEUED, DrillStatus.RUNNING) for d in drills),
        "trends": [
            _trend(finished, "rto_seconds", facts["rto_objective_seconds"], "Recovery time"),
            _trend(finished, "rpo_seconds", facts["rpo_objective_seconds"], "Recovery point"),
        ],
    }
