"""The golden dataset: committed files match the generator, expected outputs are coherent, accuracy holds."""

from __future__ import annotations

import hashlib
import json
import time
from collections import defaultdict
from decimal import Decimal

import pytest

from apps.documents.extraction.reader import read_document
from apps.documents.validation import UploadRejected, inspect_upload, sniff
from golden.cases import GOLDEN_DIR, load_cases, load_trial_balance, threshold
from golden.compare import compare_extraction, render_diff, render_summary, summarise

CASES = load_cases()
GOOD = [c for c in CASES if c.group == "good"]


def test_the_set_has_what_the_brief_asks_for():
    assert len(CASES) >= 40 and len(GOOD) >= 40
    kinds = {c.expected["extraction"]["kind"] for c in GOOD}
    assert kinds == {"purchase_invoice", "receipt", "sales_invoice", "credit_note"}
    rates = {b["rate"] for c in GOOD for b in c.expected["extraction"]["vat_breakdown"]}
    assert {"20.00", "5.00", "0.00", "-1.00"} <= rates
    templates = {c.expected["about"]["template"] for c in GOOD}
    assert templates == {"table", "receipt", "letter", "minimal"}
    formats = {c.path.suffix for c in CASES}
    assert {".pdf", ".png", ".jpg", ".tif"} <= formats
    assert any(not c.expected["extraction"]["supplier_vat_number"] and c.expected["about"]["template"] == "receipt"
               for c in GOOD)  # fmt: skip
    assert {c.expected["group"] for c in CASES} == {"good", "bad_input", "duplicate"}
    committed = sum(p.stat().st_size for p in GOLDEN_DIR.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    assert committed < 15_000_000


def test_committed_files_are_what_the_generator_writes():
    from golden.generate import build, check

    files, outputs = build()
    assert check(files, outputs) == []


@pytest.mark.parametrize("case", GOOD, ids=lambda c: c.file)
def test_good_documents_pass_validation_and_their_postings_balance(case):
    info = inspect_upload(case.content())
    assert info.content_type == sniff(case.content())
    postings = case.expected["postings"]
    debit = sum(Decimal(p["debit"]) for p in postings)
    assert debit == sum(Decimal(p["credit"]) for p in postings) and debit > 0
    assert all(Decimal(p["debit"]) or Decimal(p["credit"]) for p in postings)  # no zero lines
    truth = case.expected["extraction"]
    assert Decimal(truth["net"]) + Decimal(truth["vat"]) == Decimal(truth["gross"])


def test_the_mislabelled_file_is_a_png_whatever_its_name():
    (case,) = [c for c in GOOD if "mislabelled" in c.file]
    assert case.file.endswith(".pdf") and inspect_upload(case.content()).content_type == "image/png"


def test_bad_inputs_are_rejected_with_the_expected_reason():
    from golden.generate import oversized_pdf

    for case in (c for c in CASES if c.group == "bad_input"):
        content = oversized_pdf() if case.expected.get("on_demand") else case.content()
        with pytest.raises(UploadRejected) as caught:
            inspect_upload(content)
        assert case.expected["expected_rejection"] in caught.value.reason, case.file
        assert caught.value.code == case.expected["expected_code"]


def test_the_oversized_file_is_generated_on_demand_only():
    (case,) = [c for c in CASES if c.expected.get("on_demand")]
    assert not (GOLDEN_DIR / "documents" / case.file).exists()
    assert case.path.parts[-3:] == ("var", "golden", case.file)
    assert case.expected["on_demand"]["size_bytes"] > 20_000_000


def test_the_duplicate_has_the_same_bytes_as_its_original():
    for case in (c for c in CASES if c.group == "duplicate"):
        original = GOLDEN_DIR / "documents" / case.expected["duplicate_of"]
        assert hashlib.sha256(case.content()).digest() == hashlib.sha256(original.read_bytes()).digest()
        assert case.file != case.expected["duplicate_of"]


def test_the_trial_balance_sums_the_documents_expected_to_post_and_balances():
    totals: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for case in (c for c in GOOD if c.expected.get("expected_state", "posted") == "posted"):
        for p in case.expected["postings"]:
            totals[p["account"]][0] += Decimal(p["debit"])
            totals[p["account"]][1] += Decimal(p["credit"])
    balance = load_trial_balance()
    assert balance["documents"] == len(GOOD)
    assert {k: [Decimal(v["debit"]), Decimal(v["credit"])] for k, v in balance["accounts"].items()} == dict(totals)
    assert balance["totals"]["debit"] == balance["totals"]["credit"]


def test_extraction_accuracy_on_the_good_documents_meets_the_threshold():
    started = time.monotonic()
    results = []
    for case in GOOD:
        content = case.content()
        actual = read_document(content, sniff(content), own_names=case.own_names,
                               own_vat_numbers=case.own_vat_numbers)  # fmt: skip
        results += compare_extraction(case.expected, actual)
    summary = summarise(results)
    report = render_summary(summary) + "\n" + render_diff(results)
    print(report, f"\n{time.monotonic() - started:.1f} s")
    assert summary.accuracy >= threshold(), report
    assert summary.fields.total == 12 * len(GOOD)


def test_threshold_file_is_sane():
    data = json.loads((GOLDEN_DIR / "threshold.json").read_text())
    assert 0.95 <= data["field_accuracy"] <= 1.0


def test_the_set_has_a_near_namesake_bill_and_vat_numbers_that_forbid_reclaiming():
    from difflib import SequenceMatcher

    from apps.documents.extraction.text import normalise_name, same_name
    from apps.ledger.rules_engine import INVALID_VAT_NUMBER_REASON, OWN_VAT_NUMBER_REASON

    def alike(a: str, b: str) -> float:
        return SequenceMatcher(None, normalise_name(a), normalise_name(b)).ratio()

    namesakes = [
        c for c in GOOD
        if c.expected["extraction"]["kind"] == "purchase_invoice"
        and any(alike(c.expected["extraction"]["supplier_name"], own) >= 0.88 for own in c.own_names)
    ]  # fmt: skip
    assert namesakes and all(c.expected.get("expected_state", "posted") == "posted" for c in namesakes)
    assert not any(same_name(c.expected["extraction"]["supplier_name"], o) for c in namesakes for o in c.own_names)
    reasons = [c.expected.get("expected_reason") for c in GOOD]
    assert reasons.count(INVALID_VAT_NUMBER_REASON) >= 2 and reasons.count(OWN_VAT_NUMBER_REASON) >= 1


@pytest.mark.parametrize("case", [c for c in GOOD if c.expected.get("expected_reason")], ids=lambda c: c.file)
def test_documents_expected_in_review_give_their_reason(case):
    """The golden run checks the state and that nothing is posted; this checks the reason in words."""
    from apps.ledger.rules_engine import classify
    from apps.ledger.services.rules import DEFAULT_CONFIDENCE_THRESHOLD

    content = case.content()
    actual = read_document(content, sniff(content), own_names=case.own_names,
                           own_vat_numbers=case.own_vat_numbers)  # fmt: skip
    result = classify(actual, tenant_rules=[], threshold=DEFAULT_CONFIDENCE_THRESHOLD,
                      own_vat_numbers=case.own_vat_numbers)  # fmt: skip
    assert case.expected["expected_state"] == "needs_review" and result.needs_review
    assert result.reasons == [case.expected["expected_reason"]]
    assert result.account_code == case.expected["classification"]["account_code"]
