"""HMRC's limits on correcting filed periods through the next return, at their boundaries.

A correction goes on the next open return only while the net errors are at
most £10,000, or 1% of that return's box 6 up to £50,000, and the period it
belongs to ended less than four years ago; otherwise the product says a
separate disclosure to HMRC is required.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.filing import calculation
from apps.filing.calculation import correction_limit, correction_problems, years_before
from apps.filing.domain import ReturnStatus
from apps.filing.models import VatReturn, VatSettings
from apps.filing.services.returns import fingerprint, send_for_approval
from apps.ledger.services.posting import reverse_entry
from apps.tenancy.context import tenant_context
from tests.factories.filing import VatReturnFactory
from tests.filing.conftest import purchase, sale

D = Decimal
TODAY = date(2025, 5, 10)
OVER_LIMIT = (
    "This return carries corrections of earlier, filed periods worth £{net} of VAT net, above the £{limit} HMRC "
    "allows on a return (£10,000, or 1% of box 6 up to £50,000): a separate disclosure to HMRC is required."
)


@pytest.mark.parametrize(
    ("box6", "limit"),
    [
        (D("0"), D("10000")),
        (D("-5000000"), D("10000")),  # net sales below zero: the floor still applies
        (D("999999"), D("10000")),
        (D("1000000"), D("10000")),  # 1% is exactly the floor
        (D("1000100"), D("10001")),
        (D("2345678"), D("23456.78")),
        (D("4999900"), D("49999")),
        (D("5000000"), D("50000")),  # 1% is exactly the cap
        (D("5000100"), D("50000")),
        (D("90000000"), D("50000")),
    ],
)
def test_the_limit_is_the_greater_of_10000_and_1_percent_of_box_6_capped_at_50000(box6, limit):
    assert correction_limit(box6) == limit


@pytest.mark.parametrize(
    ("net", "box6", "over"),
    [
        (D("10000.00"), D("0"), False),
        (D("10000.01"), D("0"), True),
        (D("-10000.00"), D("0"), False),
        (D("-10000.01"), D("0"), True),  # money due back counts by its size too
        (D("23456.78"), D("2345678"), False),
        (D("23456.79"), D("2345678"), True),
        (D("50000.00"), D("9000000"), False),
        (D("50000.01"), D("9000000"), True),
        (D("0.00"), D("0"), False),
    ],
)
def test_net_errors_above_the_limit_need_a_separate_disclosure(net, box6, over):
    problems = correction_problems(net, box6, None, TODAY)
    if over:
        limit = correction_limit(box6)
        assert problems == [OVER_LIMIT.format(net=f"{abs(net):,.2f}", limit=f"{limit:,.2f}")]
    else:
        assert problems == []


@pytest.mark.parametrize(
    ("ended", "too_old"),
    [
        (date(2021, 5, 11), False),  # under four years before 10 May 2025
        (date(2021, 5, 10), True),  # exactly four years
        (date(2021, 5, 9), True),
        (date(2025, 3, 31), False),
    ],
)
def test_a_correction_of_a_period_that_ended_four_years_ago_or_more_needs_a_separate_disclosure(ended, too_old):
    problems = correction_problems(D("1.00"), D("0"), ended, TODAY)
    expected = (
        [
            f"A correction belongs to a period that ended on {ended:%d %B %Y}, four years ago or more: it cannot go "
            "on a return; a separate disclosure to HMRC is required."
        ]
        if too_old
        else []
    )
    assert problems == expected


def test_both_problems_are_said_together_in_order():
    problems = correction_problems(D("10000.01"), D("0"), date(2020, 1, 31), TODAY)
    assert len(problems) == 2 and "above the £10,000.00" in problems[0] and "31 January 2020" in problems[1]


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        (date(2025, 5, 10), 4, date(2021, 5, 10)),
        (date(2024, 2, 29), 4, date(2020, 2, 29)),
        (date(2024, 2, 29), 1, date(2023, 2, 28)),
        (date(2025, 3, 1), 4, date(2021, 3, 1)),
    ],
)
def test_years_before(day, years, expected):
    assert years_before(day, years) == expected


def figures(obligation):
    vat_return = VatReturn.objects.filter(obligation=obligation).first()
    return calculation.figures_for(obligation, vat_return, VatSettings.objects.first())


def freeze(obligation, actor) -> None:
    send_for_approval(obligation=obligation, actor=actor, expected_fingerprint=fingerprint(figures(obligation).boxes))


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)


def test_the_return_carrying_a_correction(tenant_a, owner_a, books_a):
    q1, q2, _ = books_a
    with tenant_context(tenant_a):
        assert calculation.carrying_obligation(date(2025, 2, 1)) == q1
        assert calculation.carrying_obligation(date(2025, 5, 1)) == q2  # its own open period, not an earlier one
        VatReturnFactory(tenant=tenant_a, obligation=q1, status=ReturnStatus.DRAFT)
        assert calculation.carrying_obligation(date(2025, 2, 1)) == q1  # a draft return freezes nothing
        freeze(q1, owner_a)
        assert calculation.carrying_obligation(date(2025, 2, 1)) == q2
        assert calculation.carrying_obligation(date(2025, 5, 1)) == q2
        assert calculation.carrying_obligation(date(2024, 12, 31)) is None
        assert calculation.correction_warnings_on(date(2024, 12, 31)) == []


@pytest.mark.parametrize(("vat", "warned"), [("10000.00", False), ("10000.01", True)])
def test_a_reversal_of_a_filed_purchase_is_checked_against_the_limit_where_it_lands(
    tenant_a, owner_a, books_a, today, vat, warned
):
    q1, q2, _ = books_a
    with tenant_context(tenant_a):
        wrong = purchase(date(2025, 2, 14), "50000.00", vat, actor=owner_a)
        freeze(q1, owner_a)
        reversal = reverse_entry(entry=wrong, actor=owner_a, reason="Never received")
        assert reversal.date == TODAY
        found = calculation.correction_lines(q2, figures(q2))
        assert [(amount, day) for _, amount, day in found] == [(D(vat), date(2025, 2, 14))]
        warnings = calculation.correction_warnings(q2, figures(q2))
        assert calculation.correction_warnings_on(TODAY) == warnings
    assert bool(warnings) is warned
    if warned:
        assert warnings == [OVER_LIMIT.format(net=f"{D(vat):,.2f}", limit="10,000.00")]


def test_four_years_run_from_the_end_of_the_corrected_period_not_from_the_corrected_day(
    tenant_a, owner_a, books_a, monkeypatch
):
    q1, q2, _ = books_a
    with tenant_context(tenant_a):
        freeze(q1, owner_a)
        purchase(date(2025, 2, 14), "100.00", "20.00", actor=owner_a)  # a late posting into frozen Q1 (ends 31 Mar)
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: date(2029, 3, 15))
        assert calculation.correction_warnings(q2, figures(q2)) == []  # 14 Feb 2025 is older; the period is not
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: date(2029, 4, 1))
        late = calculation.correction_warnings(q2, figures(q2))
    assert len(late) == 1 and "four years" in late[0]


def test_late_sales_and_purchases_carried_in_net_against_each_other(tenant_a, owner_a, books_a, today):
    q1, q2, _ = books_a
    with tenant_context(tenant_a):
        freeze(q1, owner_a)
        sale(date(2025, 3, 1), "60000.00", "12000.00", actor=owner_a)  # late postings into frozen Q1
        purchase(date(2025, 3, 2), "10000.00", "2000.00", actor=owner_a)
        found = calculation.correction_lines(q2, figures(q2))
        assert sorted(amount for _, amount, _ in found) == [D("-2000.00"), D("12000.00")]
        assert calculation.correction_warnings(q2, figures(q2)) == []  # net £10,000.00: at the limit


def test_the_vat_return_page_warns_that_a_separate_disclosure_is_required(
    verified_client, tenant_a, owner_a, books_a, today
):
    q1, _, _ = books_a
    with tenant_context(tenant_a):
        wrong = purchase(date(2025, 2, 14), "60000.00", "12000.00", actor=owner_a)
        freeze(q1, owner_a)
        reverse_entry(entry=wrong, actor=owner_a, reason="Never received")
    page = verified_client(owner_a).get(f"/t/{tenant_a.slug}/filing/25A2/").content.decode()
    assert 'data-testid="correction-warnings"' in page and "a separate disclosure to HMRC is required" in page
    assert 'data-testid="correction-warnings"' not in (
        verified_client(owner_a).get(f"/t/{tenant_a.slug}/filing/25A3/").content.decode()
    )
