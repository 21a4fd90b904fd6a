"""Calibrated confidence: the raw confidence of each field mapped to how often such a reading is right.

Why: the parser's raw confidences are products of heuristic factors (OCR word
confidence x how the value was found x checks; parse.py). They order readings
well but are not probabilities: a supplier name at raw 0.86 may be right 99%
of the time and a document number at 0.86 only 70%. The review gate needs
"among fields given 0.9, about 90% are right", so each field's raw confidence
goes through a monotone map fitted on the golden set and its degraded
renderings (``manage.py calibrate_confidence`` fits it and writes
``calibration.json`` beside this module; decision 0032).

The map is piecewise linear through the fitted knots (raw, calibrated), flat
beyond the last knot, and clipped to [0, 1]; monotone by construction, so a
higher raw confidence never gets a lower calibrated one. The table also holds
each field's review threshold (the lowest calibrated confidence at which the
fitted set reached the target precision); the ledger's gate reads it through
``field_thresholds`` (registered in the documents app's ``ready``).

Robust to a changed or damaged table: a field missing from it, or whose knots
are not increasing and within [0, 1], keeps its raw confidence (and the table
load logs why), so refitting never needs a code change.
"""

from __future__ import annotations

import json
import logging
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

from apps.ledger.extraction import Extracted, Extraction

log = logging.getLogger(__name__)

TABLE_PATH = Path(__file__).with_name("calibration.json")
FIELDS = Extraction.SCALAR_FIELDS  # every scalar field carries a confidence


@dataclass(frozen=True)
class FieldMap:
    """One field's monotone map: knots ``(raw, calibrated)``, raw strictly increasing, calibrated non-decreasing."""

    knots: tuple[tuple[float, float], ...]
    threshold: float | None = None

    def __call__(self, raw: float) -> float:
        raw = _clip(raw)
        if not self.knots:
            return raw
        xs = [x for x, _ in self.knots]
        at = bisect_right(xs, raw)
        if at == 0:  # below the first knot: a straight line from (0, 0), so still monotone
            x0, y0 = self.knots[0]
            return _clip(y0 * raw / x0) if x0 > 0 else _clip(y0)
        if at == len(self.knots):
            return _clip(self.knots[-1][1])
        (x0, y0), (x1, y1) = self.knots[at - 1], self.knots[at]
        return _clip(y0 + (y1 - y0) * (raw - x0) / (x1 - x0))


@dataclass(frozen=True)
class Table:
    fields: Mapping[str, FieldMap]
    meta: Mapping[str, Any]

    def calibrated(self, name: str, raw: float) -> float:
        field_map = self.fields.get(name)
        return _clip(raw) if field_map is None else field_map(raw)

    def thresholds(self) -> dict[str, float]:
        return {name: m.threshold for name, m in self.fields.items() if m.threshold is not None}


def _clip(value: float) -> float:
    return min(1.0, max(0.0, float(value)))


def valid_knots(knots: Sequence[Sequence[float]]) -> bool:
    """Raw strictly increasing, calibrated non-decreasing, all within [0, 1]."""
    try:
        pairs = [(float(x), float(y)) for x, y in knots]
    except (TypeError, ValueError):
        return False
    inside = all(0.0 <= x <= 1.0 and 0.0 <= y <= 1.0 for x, y in pairs)
    increasing = all(a[0] < b[0] and a[1] <= b[1] for a, b in pairwise(pairs))
    return inside and increasing


def table_from_json(data: Mapping[str, Any]) -> Table:
    """Build a table, keeping only the fields whose knots and threshold are sane (the rest stay raw)."""
    fields: dict[str, FieldMap] = {}
    for name, spec in (data.get("fields") or {}).items():
        if name not in FIELDS or not isinstance(spec, Mapping):
            continue
        knots = spec.get("knots") or []
        threshold = spec.get("threshold")
        if not valid_knots(knots):
            log.warning("calibration table: field %s has unusable knots; its raw confidence is kept", name)
            continue
        if threshold is not None and not (isinstance(threshold, int | float) and 0.0 <= threshold <= 1.0):
            threshold = None
        fields[name] = FieldMap(tuple((float(x), float(y)) for x, y in knots), threshold)
    return Table(fields, dict(data.get("meta") or {}))


@lru_cache(maxsize=1)
def load_table(path: Path = TABLE_PATH) -> Table:
    """The committed table; an absent or unreadable file means no calibration (raw confidences), logged."""
    try:
        return table_from_json(json.loads(path.read_text()))
    except (OSError, ValueError, AttributeError) as exc:
        log.warning("calibration table %s not usable (%s); raw confidences are used", path, exc)
        return Table({}, {})


IDENTITY = Table({}, {"identity": True})
_override: Table | None = None


def use_table(table: Table | None) -> None:
    """Use ``table`` instead of the committed one (None: the committed one again).

    For tests of the parser's raw evidence (``IDENTITY`` keeps raw confidences) and for trying a refit.
    """
    global _override
    _override = table


def current_table() -> Table:
    return _override if _override is not None else load_table()


def calibrate(result: Extraction, table: Table | None = None) -> Extraction:
    """Replace each present field's confidence by its calibrated one; keep the raw ones in ``raw_confidences``."""
    table = table if table is not None else current_table()
    for name in FIELDS:
        item: Extracted = getattr(result, name)
        if not item.present:
            continue
        result.raw_confidences[name] = round(item.confidence, 3)
        setattr(result, name, replace(item, confidence=round(table.calibrated(name, item.confidence), 3)))
    return result


def field_thresholds() -> dict[str, float]:
    """Per-field review thresholds (calibrated scale) from the committed table: what the ledger's gate uses."""
    return current_table().thresholds()
