"""Which dates are closed for new postings: those inside a VAT period whose return is frozen.

A frozen return (sent for approval, approved, being sent or filed) keeps the
figures it has; the ledger therefore dates corrections outside such periods
and refuses manual journals inside them. The period table belongs to the
filing app; this module is the ledger's only window onto it, and reads it.
"""

from __future__ import annotations

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


def frozen_periods() -> list[FrozenPeriod]:
    """The business's periods whose return is frozen, oldest first."""
    from apps.filing.domain import FROZEN_STATUSES
    from apps.filing.models import VatReturn

    returns = VatReturn.objects.filter(status__in=FROZEN_STATUSES).select_related("obligation")
    found = {
        (r.obligation.start, r.obligation.end): FrozenPeriod(
            r.obligation.start, r.obligation.end, r.obligation.period_key, r.get_status_display().lower()
        )
        for r in returns
    }
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
