"""SLIs from the application's own records, for the SLO dashboard (works without Prometheus).

Each SLO in :mod:`apps.observability.slos` gets a *source*: a function ``count(since)`` that
returns (good, total) events at or after ``since``. Everything the page shows derives from it:
the 30-day value, the error budget left, the 1 h and 6 h burn rates and the daily budget points
(cumulative since the window start: count(start) − count(end of day)). Each source reads its window
once (one query, whatever the number of businesses) and answers every ``count`` by bisecting, so the
page's query count does not grow with tenants or history (issue #18). The events are the same ones the
metrics count:

- OCR latency: document task runs (started → finished) from ``documents_taskrun``, counted per five-minute
  bucket by a trigger (``observability.TaskRunTally``; decision 0038): a run is placed at its bucket's end,
  so the 1 h and 6 h burn rates may include up to five minutes more; the per-run read is the demo's (SQLite);
- filing success: ``apps.filing.selectors.filing_outcomes``;
- onboarding duration: ``apps.onboarding.selectors.onboarding_completions``;
- synthetic success: :class:`SyntheticRun` rows (skipped runs excluded);
- portal availability and latency: there is no request log, so "Prometheus only".
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone

from apps.documents.models import TaskRun
from apps.filing import selectors as filing_selectors
from apps.observability import slos
from apps.observability.models import SyntheticRun
from apps.observability.selectors import task_run_buckets
from apps.onboarding import selectors as onboarding_selectors

Counter = Callable[[datetime], tuple[int, int]]
OCR_TASK = "documents.process_document"


class Unavailable(Exception):
    """This SLI cannot be computed from the application's records (the message says why)."""


def _from_counts(counts: list[tuple[datetime, int, int]]) -> Counter:
    """A counter over materialised (at, good, total) counts: one query, then bisects."""
    counts = sorted(counts)
    times = [at for at, _, _ in counts]
    good_prefix, total_prefix = [0], [0]
    for _, good, total in counts:
        good_prefix.append(good_prefix[-1] + good)
        total_prefix.append(total_prefix[-1] + total)

    def count(since: datetime) -> tuple[int, int]:
        i = bisect.bisect_left(times, since)
        return good_prefix[-1] - good_prefix[i], total_prefix[-1] - total_prefix[i]

    return count


def _from_events(events: list[tuple[datetime, bool]]) -> Counter:
    """A counter over materialised (at, good) events."""
    return _from_counts([(at, int(good), 1) for at, good in events])


def task_run_durations(task: str, since: datetime) -> list[tuple[datetime, float]]:
    """(finished_at, seconds) of finished runs of ``task`` in every tenant."""
    if connection.vendor == "postgresql":  # FORCE RLS: through the definer function (migration 0003)
        with connection.cursor() as cursor:
            cursor.execute("SELECT finished_at, seconds FROM strongroom_task_run_durations(%s, %s)", [task, since])
            return [(at, float(seconds)) for at, seconds in cursor.fetchall()]
    from django_scopes import scopes_disabled

    with scopes_disabled():
        rows = TaskRun.objects.filter(
            task_name=task, finished_at__gte=since, started_at__isnull=False, state__in=("succeeded", "failed")
        ).values_list("started_at", "finished_at")
        return [(finished, (finished - started).total_seconds()) for started, finished in rows]


# One read per window and page: both OCR SLOs take the same task runs (the read visits every tenant).
_window_reads: ContextVar[dict | None] = ContextVar("sli_window_reads", default=None)


def _read_once(key: tuple, read: Callable[[], list]) -> list:
    cache = _window_reads.get()
    if cache is None:
        return read()
    if key not in cache:
        cache[key] = read()
    return cache[key]


def _ocr_latency(threshold: float) -> Callable[[datetime], Counter]:
    """Runs within ``threshold`` (one of ``TaskRunTally.LATENCY_BOUNDS``) out of all finished runs."""
    within = {6.0: "within_6s", 30.0: "within_30s"}[threshold]

    def source(since: datetime) -> Counter:
        if connection.vendor == "postgresql":
            buckets = _read_once(("tally", OCR_TASK, since), lambda: task_run_buckets(OCR_TASK, since))
            return _from_counts([(b.ends_at, getattr(b, within), b.total) for b in buckets])
        runs = _read_once((OCR_TASK, since), lambda: task_run_durations(OCR_TASK, since))
        return _from_events([(at, seconds <= threshold) for at, seconds in runs])

    return source


def _filing(since: datetime) -> Counter:
    """One query for the window; the chart's points and burn rates are bisects, not a query each."""
    return _from_events(filing_selectors.filing_outcomes(since))


def _onboarding(since: datetime) -> Counter:
    """One query for the window (not one per point, nor one per business: the page stays flat with tenants)."""
    completions = onboarding_selectors.onboarding_completions(since)
    return _from_events([(at, duration <= timedelta(minutes=10)) for at, duration in completions])


def _synthetic(since: datetime) -> Counter:
    rows = SyntheticRun.objects.filter(at__gte=since, skipped=False).values_list("at", "ok")
    return _from_events(list(rows))


def _prometheus_only(since: datetime) -> Counter:
    raise Unavailable("Prometheus only: the application keeps no record of every request")


SOURCES: dict[str, tuple[Callable[[datetime], Counter], str]] = {
    "ocr-latency-median": (_ocr_latency(6.0), "document task runs (start to finish)"),
    "ocr-latency-p99": (_ocr_latency(30.0), "document task runs (start to finish)"),
    "filing-submission-success": (_filing, "filing submission outcomes"),
    "onboarding-duration-p90": (_onboarding, "completed onboardings"),
    "portal-availability": (_prometheus_only, ""),
    "portal-latency-p95": (_prometheus_only, ""),
    "synthetics-check-success": (_synthetic, "synthetic check runs"),
}


@dataclass
class SloReport:
    slo: slos.SLO
    source: str
    unavailable: str = ""
    good: int = 0
    total: int = 0
    budget_remaining: float | None = None
    burn_1h: float | None = None
    burn_6h: float | None = None
    points: list[tuple[datetime, float]] = field(default_factory=list)

    @property
    def value(self) -> float | None:
        return 100 * self.good / self.total if self.total else None

    @property
    def budget(self) -> float:
        return self.slo.error_budget

    @property
    def exhausted(self) -> bool:
        return self.budget_remaining is not None and self.budget_remaining <= 0


def _burn(counter: Counter, since: datetime, budget: float) -> float | None:
    good, total = counter(since)
    return ((total - good) / total) / budget if total else None


def _remaining(good: int, total: int, budget: float) -> float:
    return 1 - (((total - good) / total) / budget) if total else 1.0


def report(slo: slos.SLO, *, now: datetime | None = None) -> SloReport:
    now = now or timezone.now()
    start = now - timedelta(days=slos.PERIOD_DAYS)
    make, source = SOURCES.get(slo.id, (_prometheus_only, ""))
    result = SloReport(slo=slo, source=source)
    try:
        counter = make(start)
        good, total = counter(start)
    except Unavailable as exc:
        result.unavailable = str(exc)
        return result
    result.good, result.total = good, total
    result.budget_remaining = _remaining(good, total, slo.error_budget)
    result.burn_1h = _burn(counter, now - timedelta(hours=1), slo.error_budget)
    result.burn_6h = _burn(counter, now - timedelta(hours=6), slo.error_budget)
    day = start.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    while day <= now + timedelta(days=1):
        end = min(day, now)
        later_good, later_total = counter(end)
        result.points.append((end, _remaining(good - later_good, total - later_total, slo.error_budget)))
        day += timedelta(days=1)
    return result


def reports(*, now: datetime | None = None) -> list[SloReport]:
    now = now or timezone.now()
    token = _window_reads.set({})
    try:
        return [report(slo, now=now) for slo in slos.SLOS]
    finally:
        _window_reads.reset(token)


def budget_chart(points: list[tuple[datetime, float]], *, width: int = 240, height: int = 60) -> dict:
    """Polyline coordinates for the budget-over-time SVG (remaining clamped to −100 %…100 %)."""
    if not points:
        return {"points": "", "zero_y": height / 2, "width": width, "height": height}
    first, last = points[0][0], points[-1][0]
    span = max((last - first).total_seconds(), 1)
    pad = 4

    def y(value: float) -> float:
        clamped = max(-1.0, min(1.0, value))
        return round(pad + (1 - (clamped + 1) / 2) * (height - 2 * pad), 1)

    coords = " ".join(
        f"{round(pad + (at - first).total_seconds() / span * (width - 2 * pad), 1)},{y(value)}" for at, value in points
    )
    return {"points": coords, "zero_y": y(0), "full_y": y(1), "width": width, "height": height}
