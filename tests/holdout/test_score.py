"""holdout/score.py: ledger accuracy, silent errors (wrong ledger fields on posted documents), review rate, splits."""

from __future__ import annotations

import copy

from golden.compare import compare_extraction
from holdout.score import (
    LEDGER_FIELDS,
    Outcome,
    ledger_accuracy,
    render,
    report,
    review_rate,
    review_reasons,
    silent_errors,
    split,
)

TRUTH = {
    "kind": "purchase_invoice", "supplier_name": "Wrenfield Clay Supplies Ltd", "supplier_vat_number": "399167633",
    "customer_name": None, "document_number": "SI/705179", "issue_date": "2026-02-03", "currency": "GBP",
    "net": "100.00", "vat": "20.00", "gross": "120.00",
    "vat_breakdown": [{"rate": "20.00", "net": "100.00", "vat": "20.00"}], "lines": [],
}  # fmt: skip


def outcome(name: str, state: str, *, photo: bool = False, wrong: dict | None = None, steps=()) -> Outcome:
    actual = copy.deepcopy(TRUTH)
    actual.update(wrong or {})
    results = compare_extraction({"extraction": TRUTH}, actual, document=name)
    return Outcome(name, state, tuple(results), photo=photo, about={"layout": "trade", "degradations": list(steps)})


def test_the_seven_ledger_fields_are_the_posting_fields():
    assert LEDGER_FIELDS == ("supplier_name", "supplier_vat_number", "document_number", "issue_date", "net", "vat",
                             "gross")  # fmt: skip


def test_a_wrong_field_on_a_posted_document_is_a_silent_error_but_not_on_a_reviewed_one():
    outcomes = [
        outcome("a.pdf", "posted", wrong={"gross": "121.00"}),
        outcome("b.pdf", "needs_review", wrong={"net": "1.00", "vat": "2.00"}),
        outcome("c.pdf", "posted", wrong={"customer_name": "Someone"}),  # not a ledger field
    ]
    silent = silent_errors(outcomes)
    assert [(r.document, r.field) for r in silent] == [("a.pdf", "gross")]
    assert ledger_accuracy(outcomes).correct == 21 - 3 and ledger_accuracy(outcomes).total == 21


def test_review_rate_counts_everything_that_did_not_post_on_its_own():
    outcomes = [outcome("a", "posted"), outcome("b", "needs_review"), outcome("c", "failed"), outcome("d", "posted")]
    rate = review_rate(outcomes)
    assert (rate.correct, rate.total, rate.accuracy) == (2, 4, 0.5)


def test_splits_by_degradation_count_a_document_under_each_of_its_degradations():
    outcomes = [
        outcome("p1.jpg", "posted", photo=True, steps=("blur", "jpeg"), wrong={"net": "9.99"}),
        outcome("p2.jpg", "posted", photo=True, steps=("jpeg",)),
    ]
    groups = split(outcomes, lambda o: o.about["degradations"])
    assert (groups["blur"].correct, groups["blur"].total) == (6, 7)
    assert (groups["jpeg"].correct, groups["jpeg"].total) == (13, 14)


def test_the_report_splits_clean_and_photo_and_lists_silent_errors():
    outcomes = [
        outcome("clean.pdf", "posted"),
        outcome("photo.jpg", "posted", photo=True, steps=("rotate",), wrong={"issue_date": "2026-03-02"}),
        outcome("reviewed.jpg", "needs_review", photo=True, steps=("rotate",)),
    ]
    figures = report(outcomes)
    assert figures["clean_ledger_field_accuracy"] == 1.0
    assert figures["photo_ledger_field_accuracy"] == round(13 / 14, 4)
    assert figures["silent_errors"] == 1 and "photo.jpg: issue_date" in figures["silent_error_list"][0]
    assert (figures["clean_review_rate"], figures["photo_review_rate"]) == (0.0, 0.5)
    assert figures["per_degradation"] == {"rotate": round(13 / 14, 4)}
    text = render(outcomes, "Holdout")
    assert "clean/scanned 100.0% (7/7); photo-like 92.9% (13/14)" in text
    assert "silent errors 1" in text and "silent: photo.jpg issue_date" in text


def test_review_reasons_are_counted_with_their_figures_masked():
    def reviewed(name: str, *reasons: str) -> Outcome:
        return Outcome(name, "needs_review", (), reasons=reasons)

    outcomes = [
        reviewed("a", "The total was read with 48% confidence, below the 80% threshold.", "No rule matched."),
        reviewed("b", "The total was read with 41% confidence, below the 80% threshold."),
        Outcome("c", "posted", (), reasons=("ignored: it posted",)),
        Outcome("d", "failed", ()),
    ]
    assert review_reasons(outcomes) == {
        "The total was read with N% confidence, below the N% threshold.": 2, "No rule matched.": 1, "failed": 1,
    }  # fmt: skip
