"""The arithmetic check: lines add up to net, net + VAT = gross within 1p, VAT matches the rates."""

from __future__ import annotations

from decimal import Decimal

from apps.documents.extraction.checks import apply_checks, check_arithmetic
from apps.ledger.extraction import EXEMPT_RATE, Extracted, Extraction, LineItem, VatBreakdown

D = Decimal


def lines(*nets: str, rate: str = "20") -> list[LineItem]:
    return [LineItem(f"item {i}", D(n), D(rate)) for i, n in enumerate(nets)]


def test_consistent_figures_pass_without_warnings():
    ok, warnings = check_arithmetic(
        D("100.00"), D("20.00"), D("120.00"), [VatBreakdown(D(20), D("100.00"), D("20.00"))], lines("60.00", "40.00")
    )
    assert ok and warnings == []


def test_lines_that_do_not_add_up_are_named_in_plain_words():
    ok, warnings = check_arithmetic(D("42.10"), D("8.42"), D("50.52"), [VatBreakdown(D(20), D("42.10"), D("8.42"))],
                                    lines("20.00", "21.20"))  # fmt: skip
    assert not ok
    assert warnings == ["The lines add up to £41.20 but the net total says £42.10."]


def test_net_plus_vat_must_make_gross_exactly():
    """Printed totals add exactly; a 1p tolerance let a one-digit OCR slip in the net pass (found by the
    amounts property test: subtotal 2272.46 read for 2272.45, VAT 454.49, total 2726.94)."""
    assert check_arithmetic(D("10.00"), D("2.00"), D("12.00"), [VatBreakdown(D(20), D("10.00"), D("2.00"))], [])[0]
    assert not check_arithmetic(D("10.00"), D("2.00"), D("12.01"), [VatBreakdown(D(20), D("10.00"), D("2.00"))], [])[0]
    ok, warnings = check_arithmetic(D("10.00"), D("2.00"), D("12.50"), [VatBreakdown(D(20), D("10.00"), D("2.00"))], [])
    assert not ok
    assert warnings == ["The net £10.00 plus VAT £2.00 makes £12.00, but the total says £12.50."]


def test_vat_must_match_its_rate_within_rounding():
    ok, warnings = check_arithmetic(
        D("100.00"), D("25.00"), D("125.00"), [VatBreakdown(D(20), D("100.00"), D("25.00"))], []
    )
    assert not ok
    assert warnings == ["VAT at 20% on £100.00 should be about £20.00, but the document says £25.00."]
    # per-line rounding: three lines of 0.33 net at 20% (VAT 0.07 each, 0.21) vs 0.20 on the total
    ok, _ = check_arithmetic(D("0.99"), D("0.21"), D("1.20"), [VatBreakdown(D(20), D("0.99"), D("0.21"))],
                             lines("0.33", "0.33", "0.33"))  # fmt: skip
    assert ok


def test_exempt_and_zero_rated_amounts_carry_no_vat():
    rows = [VatBreakdown(EXEMPT_RATE, D("30.00"), D("0.00")), VatBreakdown(D(0), D("20.00"), D("0.00"))]
    assert check_arithmetic(D("50.00"), D("0.00"), D("50.00"), rows, [])[0]
    ok, warnings = check_arithmetic(
        D("30.00"), D("1.00"), D("31.00"), [VatBreakdown(EXEMPT_RATE, D("30.00"), D("1.00"))], []
    )
    assert not ok and "Exempt amounts should carry no VAT" in warnings[0]


def test_vat_inclusive_receipt_lines_are_checked_with_their_rounding():
    # a till: gross 12.00 at 20% = net 10.00 + VAT 2.00; three lines of 4.00 gross -> 3.33 net each
    ok, _ = check_arithmetic(D("10.00"), D("2.00"), D("12.00"), [VatBreakdown(D(20), D("10.00"), D("2.00"))],
                             lines("3.33", "3.33", "3.33"), inclusive=True)  # fmt: skip
    assert ok


def test_missing_figures_fail_the_check():
    ok, warnings = check_arithmetic(None, None, D("10.00"), [], [])
    assert not ok and warnings == ["No net amount or VAT amount was found on the document."]
    ok, warnings = check_arithmetic(D("10.00"), D("2.00"), D("12.00"), [], [])
    assert not ok and "VAT rate could not be read" in warnings[0]


def test_apply_checks_halves_money_confidences_when_the_sums_disagree():
    result = Extraction(net=Extracted(D("10.00"), 0.9), vat=Extracted(D("2.00"), 0.9), gross=Extracted(D("13.00"), 0.8))
    result.vat_breakdown = [VatBreakdown(D(20), D("10.00"), D("2.00"))]
    apply_checks(result)
    assert not result.arithmetic_ok
    assert (result.net.confidence, result.vat.confidence, result.gross.confidence) == (0.45, 0.45, 0.4)
    assert result.warnings == ["The net £10.00 plus VAT £2.00 makes £12.00, but the total says £13.00."]
