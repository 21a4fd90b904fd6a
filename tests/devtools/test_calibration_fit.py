"""Fitting calibrated confidence: the map is monotone and in [0, 1], it learns the rate where data are many,
thresholds reach their precision, ECE is what the definition says, and cross-validation never splits a document."""

from __future__ import annotations

import random
from itertools import pairwise

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from apps.devtools.confidence.fit import (
    Sample,
    cross_validated_pairs,
    fit_field,
    fit_table,
    pool_adjacent_violators,
    reliability,
    table_json,
    threshold_for,
)
from apps.documents.extraction.calibration import FieldMap, table_from_json, valid_knots

samples_strategy = st.lists(
    st.tuples(st.floats(min_value=-0.5, max_value=1.5, allow_nan=False), st.booleans()), min_size=0, max_size=200
)


def test_pool_adjacent_violators_pools_what_falls_and_ties():
    blocks = pool_adjacent_violators([(0.1, 0.0, 1), (0.2, 1.0, 1), (0.3, 0.0, 1), (0.4, 1.0, 1), (0.5, 1.0, 1)])
    assert [round(b.value, 3) for b in blocks] == [0.0, 0.5, 1.0]
    assert [(b.low, b.high) for b in blocks] == [(0.1, 0.1), (0.2, 0.3), (0.4, 0.5)]


@settings(max_examples=150, deadline=None)
@example(pairs=[(0.0, False)] * 6 + [(0.6000148333203488, False), (0.6, False)], probes=[0.0, 0.0])  # found by CI
@given(samples_strategy, st.lists(st.floats(min_value=-1, max_value=2, allow_nan=False), min_size=2, max_size=30))
def test_a_fitted_map_is_monotone_and_clipped_to_the_unit_interval(pairs, probes):
    knots = fit_field(Sample("net", raw, ok) for raw, ok in pairs)
    assert valid_knots(knots)
    field_map = FieldMap(knots)
    values = [field_map(x) for x in sorted(probes)]
    assert all(0.0 <= v <= 1.0 for v in values)
    assert all(a <= b for a, b in pairwise(values))


def test_where_readings_are_many_the_map_says_how_often_they_were_right():
    rng = random.Random(7)
    samples = [Sample("gross", 0.9, rng.random() < 0.7) for _ in range(600)]
    samples += [Sample("gross", 0.6, rng.random() < 0.2) for _ in range(600)]
    field_map = FieldMap(fit_field(samples))
    right_at = lambda raw: sum(s.correct for s in samples if s.raw == raw) / 600  # noqa: E731
    assert field_map(0.9) == pytest.approx(right_at(0.9), abs=0.01)
    assert field_map(0.6) == pytest.approx(right_at(0.6), abs=0.01)


def test_one_reading_says_little_so_the_parser_confidence_weighs_more():
    few = FieldMap(fit_field([Sample("vat", 0.5, True)] * 8))
    many = FieldMap(fit_field([Sample("vat", 0.5, True)] * 800))
    assert 0.5 < few(0.5) < many(0.5) < 1.0


def test_too_few_readings_leave_the_field_raw():
    assert fit_field([Sample("vat", 0.9, True)] * 3) == ()
    assert "vat" not in fit_table([Sample("vat", 0.9, True)] * 3)


def test_threshold_is_the_lowest_confidence_whose_readings_reach_the_precision():
    pairs = [(0.99, True)] * 50 + [(0.9, True)] * 50 + [(0.8, False)] + [(0.8, True)] * 9 + [(0.5, False)] * 5
    assert threshold_for(pairs, 0.99) == 0.8  # 109 right of 110 at or above 0.8
    assert threshold_for(pairs, 0.995) == 0.9
    assert threshold_for([(0.9, False)], 0.5) is None
    assert threshold_for([(0.7, True), (0.7, False), (0.9, True)], 0.9) == 0.9  # ties are all in or all out


def test_fitted_thresholds_give_no_errors_above_them_on_the_fitted_readings():
    rng = random.Random(3)
    samples = [Sample("issue_date", r, rng.random() < r**3) for r in (rng.random() for _ in range(2000))]
    maps = fit_table(samples, target=0.995)
    field_map = maps["issue_date"]
    above = [s for s in samples if round(field_map(s.raw), 3) >= field_map.threshold]
    assert above and sum(s.correct for s in above) / len(above) >= 0.995


def test_the_table_written_reads_back_the_same():
    samples = [Sample("net", x / 100, x > 30) for x in range(100)]
    maps = fit_table(samples)
    table = table_from_json(table_json(maps, {"fitted_on": "test"}))
    assert table.fields["net"] == maps["net"]
    assert table.thresholds() == {"net": maps["net"].threshold}


def test_expected_calibration_error_by_its_definition():
    bins, ece = reliability([(0.95, True)] * 9 + [(0.95, False)] + [(0.55, True)] * 2 + [(0.55, False)] * 2)
    assert [(b.count, round(b.accuracy, 2)) for b in bins] == [(4, 0.5), (10, 0.9)]
    assert ece == pytest.approx(4 / 14 * 0.05 + 10 / 14 * 0.05)


def test_cross_validation_scores_each_reading_once_with_a_map_not_fitted_on_its_document():
    samples = [Sample("vat", 0.9, True, group=f"doc{i % 6}") for i in range(60)]
    samples += [Sample("vat", 0.9, False, group="doc-bad")] * 10
    pairs = cross_validated_pairs(samples)
    assert len(pairs) == len(samples)
    # doc-bad's wrong readings are judged by a map fitted on documents that were always right
    scored_bad = [c for c, ok in pairs if not ok]
    assert all(c > 0.9 for c in scored_bad)
