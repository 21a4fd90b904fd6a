from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from apps.filing.domain import VatBoxes, due_date, is_period_start, period_end, whole_pounds

D = Decimal


@pytest.mark.parametrize(
    ("end", "due"),
    [
        (date(2017, 3, 31), date(2017, 5, 7)),  # HMRC's obligation example (hmrc-vat-api.md)
        (date(2017, 6, 30), date(2017, 8, 7)),
        (date(2024, 1, 31), date(2024, 3, 7)),  # one month after 31 January is the end of February
        (date(2024, 12, 31), date(2025, 2, 7)),
        (date(2024, 11, 30), date(2025, 1, 7)),
        (date(2024, 1, 15), date(2024, 2, 22)),  # not a month end: the same day next month
        (date(2024, 1, 30), date(2024, 3, 7)),  # 30 January: February has no 30th, so its last day
        (date(2023, 12, 15), date(2024, 1, 22)),  # across the year
    ],
)
def test_due_date_is_one_month_and_seven_days_after_the_end(end, due):
    assert due_date(end) == due


@pytest.mark.parametrize(
    ("stagger", "start", "end"),
    [
        ("stagger_1", date(2024, 1, 1), date(2024, 3, 31)),
        ("stagger_2", date(2024, 11, 1), date(2025, 1, 31)),
        ("stagger_3", date(2023, 12, 1), date(2024, 2, 29)),
        ("monthly", date(2024, 2, 1), date(2024, 2, 29)),
    ],
)
def test_period_end(stagger, start, end):
    assert period_end(stagger, start) == end


@pytest.mark.parametrize(
    ("stagger", "start", "ok"),
    [
        ("stagger_1", date(2024, 1, 1), True),
        ("stagger_1", date(2024, 4, 1), True),
        ("stagger_1", date(2024, 3, 1), False),
        ("stagger_2", date(2024, 2, 1), True),
        ("stagger_2", date(2024, 1, 1), False),
        ("stagger_3", date(2024, 3, 1), True),
        ("stagger_3", date(2024, 12, 1), True),
        ("monthly", date(2024, 7, 1), True),
        ("monthly", date(2024, 7, 2), False),
        ("stagger_1", date(2024, 10, 1), True),
        ("stagger_1", date(2024, 12, 1), False),
        ("stagger_2", date(2024, 11, 1), True),
        ("stagger_3", date(2024, 9, 1), True),
        ("stagger_3", date(2024, 10, 1), False),
    ],
)
def test_is_period_start(stagger, start, ok):
    assert is_period_start(stagger, start) is ok


@pytest.mark.parametrize(("value", "pounds"), [("10.99", "10"), ("-10.99", "-10"), ("0.50", "0"), ("7", "7")])
def test_whole_pounds_truncates_towards_zero(value, pounds):
    assert whole_pounds(D(value)) == D(pounds)


def test_from_sums_derives_boxes_3_and_5():
    boxes = VatBoxes.from_sums(
        vat_sales=D("100.00"),
        vat_acquisitions=D("5.00"),
        vat_reclaimed=D("150.00"),
        sales_ex_vat=D("500.40"),
        purchases_ex_vat=D("750.60"),
    )
    assert boxes.box3 == D("105.00")
    assert boxes.box5 == D("45.00")
    assert (boxes.box6, boxes.box7) == (D("500"), D("750"))
    assert boxes.problems() == []


def test_problems_name_what_hmrc_would_reject():
    bad = VatBoxes(box1=D("1.00"), box3=D("2.00"), box4=D("0.00"), box5=D("3.00"), box6=D("99999999999999"))
    problems = bad.problems()
    assert "Box 3 must be box 1 plus box 2." in problems
    assert "Box 5 must be the difference between box 3 and box 4." in problems
    assert "Box 6 is beyond HMRC's limit." in problems


def test_from_sums_keeps_northern_ireland_figures_in_whole_pounds():
    boxes = VatBoxes.from_sums(
        vat_sales=D("0.00"),
        vat_acquisitions=D("0.00"),
        vat_reclaimed=D("0.00"),
        sales_ex_vat=D("0"),
        purchases_ex_vat=D("0"),
        goods_supplied_ex_vat=D("250.99"),
        acquisitions_ex_vat=D("-3.50"),
    )
    assert (boxes.box8, boxes.box9) == (D("250"), D("-3"))


@pytest.mark.parametrize(
    ("return_status", "obligation_status", "due", "end", "expected"),
    [
        ("submitted", "O", date(2025, 5, 7), date(2025, 3, 31), "submitted"),
        ("", "F", date(2025, 5, 7), date(2025, 3, 31), "submitted"),
        ("rejected", "O", date(2025, 5, 7), date(2025, 3, 31), "rejected"),
        ("approved", "O", date(2025, 5, 7), date(2025, 3, 31), "submitting"),
        ("submitting", "O", date(2024, 5, 7), date(2024, 3, 31), "submitting"),
        ("draft", "O", date(2025, 5, 7), date(2025, 3, 31), "overdue"),
        ("awaiting_approval", "O", date(2025, 6, 7), date(2025, 4, 30), "awaiting_approval"),
        ("", "O", date(2025, 6, 7), date(2025, 4, 30), "ready"),
        ("", "O", date(2025, 7, 7), date(2025, 5, 31), "open"),
    ],
)
def test_the_control_towers_status(return_status, obligation_status, due, end, expected):
    from apps.filing.selectors import status_of

    today = date(2025, 5, 20)
    assert status_of(return_status=return_status, obligation_status=obligation_status, due=due, end=end,
                     today=today) == expected  # fmt: skip


def test_before_first_period_in_words_at_each_boundary():
    from apps.filing.domain import before_first_period

    first = date(2025, 4, 1)
    wholly_before = (
        "This period is before the first period you file with Strongroom (which starts on 01 April 2025): "
        "file it with your previous software."
    )
    straddles = (
        "This period starts before 01 April 2025, the first day you file with Strongroom, so its lines before "
        "that day would be left out: check the first period in the VAT settings, or file this return with your "
        "previous software."
    )
    assert before_first_period(date(2025, 1, 1), date(2025, 3, 31), first) == wholly_before
    assert before_first_period(date(2025, 3, 1), date(2025, 4, 1), first) == straddles  # ends on the first day
    assert before_first_period(date(2025, 3, 31), date(2025, 6, 29), first) == straddles
    assert before_first_period(date(2025, 4, 1), date(2025, 6, 30), first) == ""
    assert before_first_period(date(2025, 4, 2), date(2025, 6, 30), first) == ""


def test_rejection_advice_by_code_figures_and_unknown():
    from apps.filing.domain import (
        FIGURE_CODES,
        FIGURES_ADVICE,
        NOT_THE_FIGURES,
        REJECTION_ADVICE,
        UNKNOWN_ADVICE,
        rejection_advice,
    )

    assert NOT_THE_FIGURES == "The figures are not the problem: nothing in the ledger needs to change."
    for code in ("VRN_INVALID", "CLIENT_OR_AGENT_NOT_AUTHORISED", "RULE_INSOLVENT_TRADER", "TAX_PERIOD_NOT_ENDED",
                 "PERIOD_KEY_INVALID", "NOT_FINALISED"):  # fmt: skip
        assert rejection_advice(code).endswith(NOT_THE_FIGURES), code
    assert (
        rejection_advice("INVALID_SCOPE")
        == rejection_advice("FORBIDDEN")
        == REJECTION_ADVICE["CLIENT_OR_AGENT_NOT_AUTHORISED"]
    )
    assert rejection_advice("DUPLICATE_SUBMISSION").startswith("Do not send another return for this period.")
    assert "the day after the period ends" in rejection_advice("TAX_PERIOD_NOT_ENDED")
    assert "VAT registration certificate" in rejection_advice("VRN_INVALID")
    assert "insolvency practitioner" in rejection_advice("RULE_INSOLVENT_TRADER")
    assert "Check HMRC for VAT periods" in rejection_advice("PERIOD_KEY_INVALID")
    assert "tick the declaration" in rejection_advice("NOT_FINALISED")
    assert "Government Gateway" in rejection_advice("CLIENT_OR_AGENT_NOT_AUTHORISED")
    assert {rejection_advice(code) for code in FIGURE_CODES} == {FIGURES_ADVICE}
    expected_codes = {"INVALID_REQUEST", "INVALID_MONETARY_AMOUNT", "INVALID_NUMERIC_VALUE",
                      "MANDATORY_FIELD_MISSING", "VAT_TOTAL_VALUE", "VAT_NET_VALUE"}  # fmt: skip
    assert expected_codes == set(FIGURE_CODES)
    assert rejection_advice("HTTP_422", [{"code": "X", "path": "/netVatDue"}]) == FIGURES_ADVICE
    assert rejection_advice("HTTP_422", [{"code": "X", "path": ""}, "junk"]) == UNKNOWN_ADVICE
    assert rejection_advice("HTTP_422", None) == rejection_advice("HTTP_422") == UNKNOWN_ADVICE
    assert FIGURES_ADVICE == (
        "HMRC's checks failed on the boxes listed: correct the ledger lines behind them, recompute the return "
        "from the ledger, then approve it again."
    )
    assert UNKNOWN_ADVICE == (
        "Read HMRC's message above. If it is not clear what to change, contact support with the error code "
        "before approving the return again."
    )
