"""Calibration as the product applies it: robust to a damaged table, raw kept, and the committed table sane."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from apps.documents.extraction import calibration
from apps.documents.extraction.calibration import FieldMap, Table, calibrate, table_from_json, valid_knots
from apps.ledger.extraction import Extracted, Extraction


@pytest.fixture
def committed_table():
    """The committed table, not the identity the other extraction tests use."""
    calibration.use_table(None)
    yield calibration.load_table()
    calibration.use_table(calibration.IDENTITY)


def test_the_map_is_flat_past_the_last_knot_straight_from_zero_below_the_first_and_clipped():
    field_map = FieldMap(((0.5, 0.6), (0.9, 0.95)))
    assert field_map(0.25) == pytest.approx(0.3)
    assert field_map(0.7) == pytest.approx(0.775)
    assert field_map(0.99) == field_map(1.7) == 0.95
    assert field_map(-3) == 0.0


@pytest.mark.parametrize(
    "knots",
    [
        [[0.5, 0.9], [0.4, 0.95]],  # raw not increasing
        [[0.4, 0.9], [0.5, 0.8]],  # calibrated falls
        [[0.4, 0.9], [0.5, 1.2]],  # outside [0, 1]
        [["x", 0.9]],
        [[0.4]],
    ],
)
def test_a_field_with_unusable_knots_keeps_its_raw_confidence(knots):
    assert not valid_knots(knots)
    table = table_from_json({"fields": {"net": {"knots": knots, "threshold": 0.9}, "vat": {"knots": [[0.5, 0.7]]}}})
    assert set(table.fields) == {"vat"}
    assert table.calibrated("net", 0.42) == 0.42
    assert table.calibrated("vat", 0.5) == 0.7


def test_unknown_fields_and_bad_thresholds_are_ignored():
    table = table_from_json({"fields": {"colour": {"knots": [[0.5, 0.7]]}, "gross": {"knots": [[0.5, 0.7]],
                                                                                      "threshold": 7}}})  # fmt: skip
    assert set(table.fields) == {"gross"} and table.thresholds() == {}


def test_an_absent_or_damaged_table_file_means_raw_confidences(tmp_path):
    assert calibration.load_table.__wrapped__(tmp_path / "none.json").fields == {}
    damaged = tmp_path / "damaged.json"
    damaged.write_text("{not json")
    assert calibration.load_table.__wrapped__(damaged).fields == {}


def test_calibrate_keeps_the_raw_confidence_and_leaves_absent_fields_alone():
    table = Table({"gross": FieldMap(((0.5, 0.6), (0.9, 0.99)))}, {})
    result = Extraction(gross=Extracted(Decimal("12.00"), 0.9), supplier_name=Extracted("Meadow Lane Farm Shop", 0.8))
    calibrate(result, table)
    assert result.gross.confidence == 0.99 and result.raw_confidences["gross"] == 0.9
    assert result.supplier_name.confidence == 0.8  # no map for it: raw kept
    assert "net" not in result.raw_confidences and result.net == Extracted(None, 0.0)


def test_the_committed_table_is_sane_and_fitted_on_the_golden_set_only(committed_table):
    data = json.loads(calibration.TABLE_PATH.read_text())
    assert "golden" in data["meta"]["fitted_on"] and "holdout" not in json.dumps(data["meta"]).lower()
    assert set(data["fields"]) <= set(calibration.FIELDS)
    for name, spec in data["fields"].items():
        assert valid_knots(spec["knots"]), name
        assert 0.0 <= spec["threshold"] <= 1.0, name
    # every ledger-affecting field has a fitted map and bar
    assert {"kind", "supplier_name", "supplier_vat_number", "document_number", "issue_date", "net", "vat",
            "gross"} <= set(committed_table.thresholds())  # fmt: skip


def test_extract_fields_applies_the_committed_table(committed_table):
    from apps.documents.extraction.parse import extract_fields
    from apps.documents.extraction.text import PageLines

    text = "Meadow Lane Farm Shop\nRECEIPT\nDate: 07/03/2026\nEggs 12.80\nTOTAL £12.80\n"
    result = extract_fields([PageLines(text, 1.0)])
    assert result.raw_confidences  # the parser's own, kept
    for name, raw in result.raw_confidences.items():
        assert getattr(result, name).confidence == round(committed_table.calibrated(name, raw), 3)


def test_the_gate_gets_the_committed_thresholds_through_the_ledger_registry(committed_table):
    from apps.ledger.services.rules import field_thresholds

    assert field_thresholds() == committed_table.thresholds()
