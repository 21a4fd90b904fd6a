"""The default rules and posting conventions against the golden dataset's expectations (no OCR here).

``manage.py golden`` runs the whole pipeline; this checks the ledger's part
alone, from the expected extractions, so a rule change that breaks a golden
case fails in the ledger's own tests.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from apps.ledger.extraction import Extraction
from apps.ledger.rules_engine import classify
from apps.ledger.services.document_plan import plan_document_entry

EXPECTED = Path(__file__).resolve().parents[2] / "golden" / "expected"
CASES = sorted(p for p in EXPECTED.glob("*.json") if "classification" in json.loads(p.read_text()))


@pytest.mark.skipif(not CASES, reason="no golden dataset with classifications")
@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_golden_case_classifies_and_posts_as_expected(path):
    case = json.loads(path.read_text())
    extraction = Extraction.from_json(case["extraction"])
    classification = classify(extraction, tenant_rules=[], threshold=0.8)
    assert {"account_code": classification.account_code, "vat_treatment": classification.vat_treatment} == case[
        "classification"
    ], classification.explanation
    plan = plan_document_entry(extraction, classification)
    got = sorted((line.account_code, f"{line.debit:.2f}", f"{line.credit:.2f}") for line in plan.lines)
    assert got == sorted((p["account"], p["debit"], p["credit"]) for p in case["postings"])
