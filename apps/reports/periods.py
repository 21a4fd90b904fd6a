"""Report periods: a from/to range or a named preset, and the previous period of the same length.

Pure date arithmetic, no database: the one preset that needs the books ("this VAT period") is given the
VAT period's dates by the caller. Quarters and years are calendar ones: the business has no accounting
reference date on record (decision 0041).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from apps.core.errors import ApplicationError

# The widest range a report accepts: longer ranges are almost always a typo in the year.
MAX_DAYS = 366 * 10
# Far enough from date.min and date.max that the comparison period and the year before always exist.
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)


class BadPeriod(ApplicationError):
    status = 400
    code = "bad_report_period"
    default_message = "That period is not valid."


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    label: str = ""

    def __post_init__(self) -> None:
        if not (self.start >= EARLIEST and self.end <= LATEST):
            raise BadPeriod(f"Reports cover dates from {EARLIEST:%Y} to {LATEST:%Y}: check the years of the dates.")
        if self.start > self.end:
            raise BadPeriod("The start date is after the end date.")
        if (self.end - self.start).days >= MAX_DAYS:
            raise BadPeriod("A report covers at most ten years: check the years of the dates.")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length that ends the day before this one starts.

        Whole calendar months compare with as many whole months before (Q1 with Q4, not with the 90 days
        before it); any other range with the same number of days.
        """
        end = self.start - timedelta(days=1)
        months = self.whole_months()
        if months:
            first = _month_start(self.start, -months)
            return Period(first, end, "Previous period")
        return Period(end - timedelta(days=self.days - 1), end, "Previous period")

    def whole_months(self) -> int:
        """How many calendar months the period spans exactly (0 when it does not start and end on month ends)."""
        if self.start.day != 1 or (self.end + timedelta(days=1)).day != 1:
            return 0
        after = self.end + timedelta(days=1)
        return (after.year - self.start.year) * 12 + after.month - self.start.month

    def describe(self) -> str:
        return f"{self.start:%d %b %Y} to {self.end:%d %b %Y}"


def _month_start(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


PRESETS = {
    "this-quarter": "This quarter",
    "last-quarter": "Last quarter",
    "vat-period": "This VAT period",
    "year-to-date": "Year to date",
}


def quarter_of(day: date) -> Period:
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first_month, 1)
    following = date(start.year + (first_month == 10), 1 if first_month == 10 else first_month + 3, 1)
    return Period(start, following - timedelta(days=1))


def year_start(day: date) -> date:
    """The financial year's first day: 1 January (no accounting reference date is kept; decision 0041)."""
    return date(day.year, 1, 1)


def preset(name: str, *, today: date, vat_period: tuple[date, date] | None = None) -> Period:
    """The named preset as at ``today``; BadPeriod for an unknown name or a VAT period the books lack."""
    label = PRESETS.get(name)
    if label is None:
        raise BadPeriod(f"Unknown period “{name}”: choose one of {', '.join(PRESETS.values()).lower()}.")
    if name == "this-quarter":
        found = quarter_of(today)
    elif name == "last-quarter":
        found = quarter_of(quarter_of(today).start - timedelta(days=1))
    elif name == "year-to-date":
        found = Period(year_start(today), today)
    else:
        if vat_period is None:
            raise BadPeriod("No VAT period on record includes today: sync the obligations from HMRC, or pick dates.")
        found = Period(*vat_period)
    return Period(found.start, found.end, label)
