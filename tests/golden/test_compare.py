"""golden/compare.py: the documented normalisation, the multiset comparison, the summary and the diff."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal

from apps.ledger.extraction import DocumentKind, Extracted, Extraction, LineItem, VatBreakdown
from golden.compare import FIELDS, compare_extraction, render_diff, render_summary, summarise

D = Decimal


def truth() -> Extraction:
    result = Extraction(
        kind=Extracted(DocumentKind.PURCHASE_INVOICE, 1.0),
        supplier_name=Extracted("Marlow & Finch Limited", 1.0),
        supplier_vat_number=Extracted("980780684", 1.0),
        document_number=Extracted("MF-2026-031", 1.0),
        issue_date=Extracted(date(2026, 3, 20), 1.0),
        currency=Extracted("GBP", 1.0),
        net=Extracted(D("100.00"), 1.0),
        vat=Extracted(D("20.00"), 1.0),
        gross=Extracted(D("120.00"), 1.0),
    )
    result.vat_breakdown = [VatBreakdown(D(20), D("100.00"), D("20.00"))]
    result.lines = [LineItem("Year-end accounts", D("60.00"), D(20)), LineItem("Payroll", D("40.00"), D(20))]
    return result


EXPECTED = {"file": "x.pdf", "extraction": truth().to_json(with_confidence=False)}


def test_an_identical_extraction_is_all_correct_on_twelve_fields():
    results = compare_extraction(EXPECTED, truth())
    assert [r.field for r in results] == list(FIELDS) and len(FIELDS) == 12
    assert all(r.correct for r in results) and {r.document for r in results} == {"x.pdf"}


def test_names_ignore_case_punctuation_accents_and_limited():
    actual = truth()
    actual.supplier_name = Extracted("MARLOW AND FINCH LTD.", 0.5)
    actual.supplier_vat_number = Extracted("GB 980 7806 84", 0.5)
    actual.document_number = Extracted("mf-2026-031", 0.5)
    assert all(r.correct for r in compare_extraction(EXPECTED, actual))
    actual.supplier_name = Extracted("Marlow & Fitch LLP", 0.5)
    assert not next(r for r in compare_extraction(EXPECTED, actual) if r.field == "supplier_name").correct


def test_money_is_exact_to_the_penny_and_dates_exact():
    actual = truth()
    actual.gross = Extracted(D("120.01"), 1.0)
    actual.issue_date = Extracted(date(2026, 3, 2), 1.0)
    wrong = {r.field for r in compare_extraction(EXPECTED, actual) if not r.correct}
    assert wrong == {"gross", "issue_date"}


def test_lines_are_a_multiset_in_any_order_with_normalised_descriptions():
    actual = truth()
    actual.lines = [
        LineItem("PAYROLL.", D("40.00"), D(20), D(1), D("40.00")),
        LineItem("Year end accounts", D("60"), D(20)),
    ]
    assert next(r for r in compare_extraction(EXPECTED, actual) if r.field == "lines").correct
    actual.lines = actual.lines[:1] + actual.lines[:1]
    result = next(r for r in compare_extraction(EXPECTED, actual) if r.field == "lines")
    assert not result.correct
    assert result.detail == "missing (year end accounts, 60.00, 20.00); unexpected (payroll, 40.00, 20.00)"


def test_a_field_the_truth_leaves_empty_must_stay_empty():
    actual = truth()
    actual.customer_name = Extracted("Hollybush Bakery Ltd", 0.6)
    (result,) = [r for r in compare_extraction(EXPECTED, actual) if r.field == "customer_name"]
    assert not result.correct and not result.expected_present


def test_accepts_to_json_with_confidences_and_the_bare_extraction_part():
    data = truth().to_json()
    assert all(r.correct for r in compare_extraction(EXPECTED["extraction"], data, document="y.pdf"))


def test_summary_and_readable_diff():
    good = compare_extraction(EXPECTED, truth())
    bad_doc = copy.deepcopy(EXPECTED) | {"file": "z.pdf"}
    actual = truth()
    actual.net = Extracted(None, 0.0)
    bad = compare_extraction(bad_doc, actual)
    summary = summarise(good + bad)
    assert summary.documents == 2 and summary.fields.total == 24 and summary.fields.correct == 23
    assert summary.per_field["net"].accuracy == 0.5 and summary.per_document["z.pdf"].correct == 11
    assert summary.to_json()["field_accuracy"] == round(23 / 24, 4)
    diff = render_diff(good + bad)
    assert diff == "z.pdf  11/12 fields correct\n  XX net: expected 100.00, got (nothing)"
    assert render_summary(summary).startswith("Field accuracy 95.8% (23/24 fields, 2 documents)")
