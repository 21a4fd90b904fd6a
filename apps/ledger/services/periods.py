"""Which dates are closed for new postings: those inside a VAT period whose return is frozen.

A frozen return (sent for approval, approved, being sent or filed) keeps the
figures it has; the ledger therefore dates corrections outside such periods
and refuses manual journals inside them. The periods belong to the filing
app, which sits above the ledger: it registers a source here in its
``AppConfig.ready`` (decision 0009), and this module is the ledger's only
window onto them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class FrozenPeriod:
    start: date
    end: date
    period_key: str
    status_label: str

    def describe(self) -> str:
        return f"{self.start:%d %b %Y} to {self.end:%d %b %Y}"


FrozenPeriodSource = Callable[[], Iterable[FrozenPeriod]]
CorrectionNotices = Callable[[date], list[str]]
_sources: list[FrozenPeriodSource] = []
_notices: list[CorrectionNotices] = []


def register_frozen_period_source(source: FrozenPeriodSource) -> None:
    """Let an app above the ledger say which periods are frozen (idempotent; called from ``ready``)."""
    if source not in _sources:
        _sources.append(source)


def register_correction_notices(source: CorrectionNotices) -> None:
    """Let an app above the ledger warn about corrections dated on a day (HMRC's limits; idempotent)."""
    if source not in _notices:
        _notices.append(source)


def correction_notices(day: date) -> list[str]:
    """Every registered warning for a correction dated ``day`` (none when no app registered one)."""
    return [notice for source in _notices for notice in source(day)]


def registered_sources() -> tuple[tuple[FrozenPeriodSource, ...], tuple[CorrectionNotices, ...]]:
    """What the apps above registered (frozen periods, correction notices): for the checks that they did."""
    return tuple(_sources), tuple(_notices)


def frozen_periods() -> list[FrozenPeriod]:
    """The business's periods whose return is frozen, oldest first (inside tenant_context)."""
    found: dict[tuple[date, date], FrozenPeriod] = {}
    for source in _sources:
        for period in source():
            found[(period.start, period.end)] = period
    return [found[key] for key in sorted(found)]


def frozen_period_on(day: date, periods: list[FrozenPeriod] | None = None) -> FrozenPeriod | None:
    """The frozen period containing ``day``, or None when the day is open."""
    for period in frozen_periods() if periods is None else periods:
        if period.start <= day <= period.end:
            return period
    return None


def first_open_day_after(day: date, periods: list[FrozenPeriod] | None = None) -> date:
    """The first day on or after ``day`` that no frozen period contains."""
    periods = frozen_periods() if periods is None else periods
    for period in periods:
        if period.start <= day <= period.end:
            day = period.end + timedelta(days=1)
    return day
