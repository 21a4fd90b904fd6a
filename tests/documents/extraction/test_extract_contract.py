"""The ``manage.py extract FILE --json`` contract an unseen set is scored with: keys, types and value formats.

Pinned: supplier_name, supplier_vat_number, document_number, issue_date, net, vat, gross, each exactly
{"value", "confidence"} with the confidence calibrated in [0, 1], and lines. Additions (review,
raw_confidence) may grow; these may not change.
"""

from __future__ import annotations

import json
import re
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from apps.documents.extraction import calibration

GOLDEN = Path(__file__).resolve().parents[3] / "golden" / "documents"
CONTRACT = ("supplier_name", "supplier_vat_number", "document_number", "issue_date", "net", "vat", "gross")
MONEY = re.compile(r"^-?\d+\.\d{2}$")


@pytest.fixture(autouse=True)
def committed_table():
    calibration.use_table(None)
    yield
    calibration.use_table(calibration.IDENTITY)


def extract_json(name: str) -> dict:
    out = StringIO()
    call_command("extract", str(GOLDEN / name), "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.parametrize("name", ["001-quillfeather-invoice.pdf", "024-northgate-rail-receipt-scan.png"])
def test_the_contract_keys_types_and_formats(name):
    data = extract_json(name)
    for key in CONTRACT:
        assert set(data[key]) == {"value", "confidence"}, key
        confidence = data[key]["confidence"]
        assert isinstance(confidence, float | int) and 0.0 <= confidence <= 1.0, key
        value = data[key]["value"]
        assert value is None or isinstance(value, str), key
        if value is None:
            assert confidence == 0
    for key in ("net", "vat", "gross"):
        assert data[key]["value"] is None or MONEY.match(data[key]["value"]), data[key]
    if data["issue_date"]["value"] is not None:
        date.fromisoformat(data["issue_date"]["value"])
    if data["supplier_vat_number"]["value"] is not None:
        assert re.fullmatch(r"\d{9}(\d{3})?", data["supplier_vat_number"]["value"])
    assert isinstance(data["lines"], list)
    for line in data["lines"]:
        assert isinstance(line["description"], str) and MONEY.match(line["net"])
        assert line["vat_rate"] is None or MONEY.match(line["vat_rate"])


def test_known_values_and_calibrated_confidences_with_the_raw_beside_them():
    data = extract_json("001-quillfeather-invoice.pdf")
    assert data["supplier_name"]["value"] == "Quillfeather Stationers Ltd"
    assert data["gross"]["value"] == "158.16"
    table = calibration.load_table()
    for key in CONTRACT:
        raw = data["raw_confidence"].get(key)
        if raw is not None:
            assert data[key]["confidence"] == round(table.calibrated(key, raw), 3)


def test_review_says_whether_it_would_post_and_why_not():
    data = extract_json("001-quillfeather-invoice.pdf")
    review = data["review"]
    assert isinstance(review["auto_post"], bool) and isinstance(review["reasons"], list)
    assert review["auto_post"] == (review["reasons"] == [])
    assert set(review["field_thresholds"]) == {"kind", "supplier_name", "supplier_vat_number", "document_number",
                                               "issue_date", "net", "vat", "gross"}  # fmt: skip
    assert all(t >= review["tenant_threshold"] for t in review["field_thresholds"].values())
    assert review["calibrated"] is True
