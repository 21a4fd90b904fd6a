"""Ledger lines to VAT boxes: the worked example and each rule of the algorithm (pure, no database).

The rules and the example: docs/contracts/uk-vat-rules.md, The nine boxes.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from apps.filing.boxes import LedgerLine, box_for, compute_boxes
from apps.filing.domain import VatBoxes, hmrc_body
from tests.filing.conftest import WORKED_EXAMPLE_BOXES

D = Decimal
START = date(2024, 1, 1)


def line(code, kind, debit="0", credit="0", *, treatment="", control="", when=date(2024, 2, 1), ident=None):
    return LedgerLine(ident or object(), when, code, kind, control, treatment, D(debit), D(credit))


def worked_example_lines() -> list[LedgerLine]:
    """The worked example of docs/contracts/uk-vat-rules.md as ledger lines."""
    rows = [
        ("200", "income", "", "standard", "0", "10000.00"),
        ("821", "liability", "output", "", "0", "2000.00"),
        ("200", "income", "", "reduced", "0", "1000.00"),
        ("821", "liability", "output", "", "0", "50.00"),
        ("200", "income", "", "zero", "0", "3000.00"),
        ("200", "income", "", "exempt", "0", "500.00"),
        ("429", "expense", "", "standard", "4000.00", "0"),
        ("820", "asset", "input", "", "800.00", "0"),
        ("429", "expense", "", "zero", "200.00", "0"),
        ("429", "expense", "", "exempt", "300.00", "0"),
    ]
    return [LedgerLine(i, date(2024, 2, 1), c, t, v, tr, D(dr), D(cr)) for i, (c, t, v, tr, dr, cr) in enumerate(rows)]


def test_worked_example_of_the_spec_gives_its_boxes():
    result = compute_boxes(worked_example_lines(), period_start=START).boxes
    assert result == WORKED_EXAMPLE_BOXES
    assert hmrc_body("24A1", result) == {
        "periodKey": "24A1",
        "vatDueSales": D("2050.00"),
        "vatDueAcquisitions": D("0.00"),
        "totalVatDue": D("2050.00"),
        "vatReclaimedCurrPeriod": D("800.00"),
        "netVatDue": D("1250.00"),
        "totalValueSalesExVAT": 14500,
        "totalValuePurchasesExVAT": 4500,
        "totalValueGoodsSuppliedExVAT": 0,
        "totalAcquisitionsExVAT": 0,
        "finalised": True,
    }


def test_repayment_example_box5_is_positive_difference():
    lines = [
        line("821", "liability", credit="300.00", control="output"),
        line("820", "asset", debit="1000.00", control="input"),
    ]
    boxes = compute_boxes(lines, period_start=START).boxes
    assert (boxes.box3, boxes.box4, boxes.box5) == (D("300.00"), D("1000.00"), D("700.00"))
    assert boxes.is_repayment


def test_a_reversal_nets_out_of_every_box():
    original = [
        line("429", "expense", debit="100.00", treatment="standard"),
        line("820", "asset", debit="20.00", control="input"),
    ]
    reversal = [
        line("429", "expense", credit="100.00", treatment="standard"),
        line("820", "asset", credit="20.00", control="input"),
    ]
    boxes = compute_boxes(original + reversal, period_start=START).boxes
    assert boxes == VatBoxes()


@pytest.mark.parametrize(
    ("ledger_line", "expected"),
    [
        (line("200", "income", credit="50.00", treatment="zero"), (6, D("50.00"))),
        (line("200", "income", debit="30.00", treatment="standard"), (6, D("-30.00"))),  # a credit note issued
        (line("429", "expense", debit="40.00", treatment="exempt"), (7, D("40.00"))),
        (line("0030", "asset", debit="2500.00", treatment="standard"), (7, D("2500.00"))),  # equipment bought
        (line("429", "expense", credit="12.00", treatment="standard"), (7, D("-12.00"))),  # supplier credit note
        (line("821", "liability", credit="7.00", control="output"), (1, D("7.00"))),
        (line("821", "liability", debit="3.00", control="output"), (1, D("-3.00"))),  # a credit note issued
        (line("820", "asset", credit="3.00", control="input"), (4, D("-3.00"))),
        (line("477", "expense", debit="1000.00", treatment="outside_scope"), None),  # wages
        (line("090", "asset", debit="120.00", treatment="standard"), None),  # the bank is never a purchase
        (line("610", "asset", debit="120.00", treatment="standard"), None),
        (line("300", "equity", debit="500.00", treatment="standard"), None),
        (line("429", "expense", debit="10.00"), None),  # no treatment
    ],
)
def test_each_line_counts_in_one_box_or_none(ledger_line, expected):
    assert box_for(ledger_line) == expected


def test_whole_pound_boxes_leave_out_the_pence_towards_zero():
    lines = [
        line("200", "income", credit="100.99", treatment="standard"),
        line("429", "expense", credit="10.60", treatment="standard"),  # purchases negative overall
    ]
    boxes = compute_boxes(lines, period_start=START).boxes
    assert boxes.box6 == D("100")
    assert boxes.box7 == D("-10")


def test_lines_without_treatment_are_reported_not_guessed():
    mystery = line("429", "expense", debit="55.00", ident="mystery")
    result = compute_boxes([mystery], period_start=START)
    assert result.boxes.box7 == 0
    assert [ident for ident, _ in result.warnings] == ["mystery"]
    assert "no VAT treatment" in result.warnings[0][1]


def test_lines_before_the_period_are_marked_as_adjustments():
    late = line("429", "expense", debit="10.00", treatment="standard", when=date(2023, 12, 20), ident="late")
    current = line("429", "expense", debit="5.00", treatment="standard", ident="now")
    result = compute_boxes([late, current], period_start=START)
    flags = {c.line_id: c.is_adjustment for c in result.contributions}
    assert flags == {"late": True, "now": False}
    assert result.boxes.box7 == D("15")


@pytest.mark.parametrize(
    "quiet",
    [
        line("821", "liability", credit="1.00", control="output"),  # a control account needs no treatment
        line("090", "asset", debit="1.00"),  # the bank is not a sale or a purchase
        line("800", "liability", credit="1.00"),
        line("970", "equity", credit="1.00"),
    ],
)
def test_only_income_and_expense_lines_without_a_treatment_are_warned_about(quiet):
    assert compute_boxes([quiet], period_start=START).warnings == []


def test_an_income_line_without_treatment_is_warned_about_too():
    result = compute_boxes([line("200", "income", credit="5.00", ident="sale")], period_start=START)
    assert [ident for ident, _ in result.warnings] == ["sale"] and result.boxes.box6 == 0


def test_a_line_on_the_first_day_of_the_period_is_not_an_adjustment():
    result = compute_boxes([line("429", "expense", debit="1.00", treatment="zero", when=START, ident="x")],
                           period_start=START)  # fmt: skip
    assert [(c.line_id, c.box, c.amount, c.is_adjustment) for c in result.contributions] == [("x", 7, D("1.00"), False)]
