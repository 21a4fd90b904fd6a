"""Report periods: presets, the previous period of the same length, and refusals in words."""

from __future__ import annotations

from datetime import date

import pytest

from apps.reports.periods import BadPeriod, Period, preset, quarter_of

TODAY = date(2025, 5, 20)


@pytest.mark.parametrize(
    ("name", "start", "end"),
    [
        ("this-quarter", date(2025, 4, 1), date(2025, 6, 30)),
        ("last-quarter", date(2025, 1, 1), date(2025, 3, 31)),
        ("year-to-date", date(2025, 1, 1), TODAY),
    ],
)
def test_presets(name, start, end):
    found = preset(name, today=TODAY)
    assert (found.start, found.end) == (start, end)


def test_this_vat_period_is_the_one_given_and_refused_without_one():
    found = preset("vat-period", today=TODAY, vat_period=(date(2025, 3, 1), date(2025, 5, 31)))
    assert (found.start, found.end, found.label) == (date(2025, 3, 1), date(2025, 5, 31), "This VAT period")
    with pytest.raises(BadPeriod, match="No VAT period on record"):
        preset("vat-period", today=TODAY)
    with pytest.raises(BadPeriod, match="Unknown period"):
        preset("fortnight", today=TODAY)


def test_last_quarter_crosses_the_year():
    found = preset("last-quarter", today=date(2025, 2, 1))
    assert (found.start, found.end) == (date(2024, 10, 1), date(2024, 12, 31))
    assert quarter_of(date(2024, 11, 30)).end == date(2024, 12, 31)


@pytest.mark.parametrize(
    ("start", "end", "previous"),
    [
        # Whole months compare with as many whole months before.
        (date(2025, 1, 1), date(2025, 3, 31), (date(2024, 10, 1), date(2024, 12, 31))),
        (date(2025, 3, 1), date(2025, 3, 31), (date(2025, 2, 1), date(2025, 2, 28))),
        (date(2025, 1, 1), date(2025, 12, 31), (date(2024, 1, 1), date(2024, 12, 31))),
        # Anything else: the same number of days.
        (date(2025, 1, 1), date(2025, 5, 20), (date(2024, 8, 14), date(2024, 12, 31))),
        (date(2025, 3, 10), date(2025, 3, 10), (date(2025, 3, 9), date(2025, 3, 9))),
    ],
)
def test_the_previous_period(start, end, previous):
    found = Period(start, end).previous()
    assert (found.start, found.end) == previous
    assert found.end == Period(start, end).start.fromordinal(start.toordinal() - 1)


def test_bad_ranges_are_refused_in_words():
    with pytest.raises(BadPeriod, match="start date is after the end date"):
        Period(date(2025, 2, 1), date(2025, 1, 1))
    with pytest.raises(BadPeriod, match="at most ten years"):
        Period(date(2000, 1, 1), date(2025, 1, 1))
    with pytest.raises(BadPeriod, match="from 1900 to 2999"):
        Period(date(1, 1, 1), date(1, 3, 31))
    with pytest.raises(BadPeriod, match="from 1900 to 2999"):
        Period(date(9999, 1, 1), date(9999, 3, 31))
    assert BadPeriod.status == 400
