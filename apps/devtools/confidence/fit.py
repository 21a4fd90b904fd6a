"""Fitting the calibration table: binned rates with smoothing made monotone, thresholds, reliability report.

Why bins pooled by isotonic regression (pool adjacent violators) and not a
parametric curve: it assumes only that a higher raw confidence is not less
often right, which is what the parser promises, and needs no dependency. Why
smoothing: ten readings that were all right say "rarely wrong", not "never
wrong", and one reading says little; each bin's rate leans on the parser's own
confidence in proportion to how few readings it has. Pure functions; the
command does the I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from apps.documents.extraction.calibration import FIELDS, FieldMap

MIN_SAMPLES = 8  # fewer readings of a field than this: no map (its raw confidence stays)
BIN_WIDTH = 0.05
PRIOR_WEIGHT = 3.0  # the parser's own confidence counts as this many readings in each bin
DEFAULT_TARGET = 0.99  # decision 0032: 99.5% let one wrong reading set a date bar of 0.986


@dataclass(frozen=True)
class Sample:
    field: str
    raw: float
    correct: bool
    group: str = ""  # the golden document it came from (its variants share it): folds never split a group


@dataclass
class _Block:
    raw_sum: float
    weight: float
    value_sum: float
    low: float  # the lowest and highest x pooled in this block
    high: float

    @property
    def raw(self) -> float:
        return self.raw_sum / self.weight

    @property
    def value(self) -> float:
        return self.value_sum / self.weight


def pool_adjacent_violators(points: Sequence[tuple[float, float, float]]) -> list[_Block]:
    """Weighted isotonic regression of ``(x, y, weight)`` sorted by x: blocks with increasing values."""
    blocks: list[_Block] = []
    for x, y, w in points:
        blocks.append(_Block(x * w, w, y * w, x, x))
        while len(blocks) > 1 and blocks[-2].value >= blocks[-1].value:  # ties pooled too: one block per level
            last = blocks.pop()
            blocks[-1].raw_sum += last.raw_sum
            blocks[-1].weight += last.weight
            blocks[-1].value_sum += last.value_sum
            blocks[-1].high = last.high
    return blocks


def fit_field(samples: Iterable[Sample]) -> tuple[tuple[float, float], ...]:
    """Knots ``(raw, calibrated)`` for one field: raw strictly increasing, calibrated non-decreasing, in [0, 1].

    Readings are binned by raw confidence (``BIN_WIDTH``); a bin's rate is smoothed towards its own mean raw
    confidence (the parser's claim, worth ``PRIOR_WEIGHT`` readings), so a bin with one or two readings stays
    near what the parser said and a bin with many says what the data say; then pooled (isotonic) so the map
    never falls as raw confidence rises. One knot per pooled block at each end of its raw range.
    """
    bins: dict[int, list[float]] = {}
    for s in samples:
        raw = min(1.0, max(0.0, s.raw))
        tally = bins.setdefault(min(int(raw / BIN_WIDTH), int(1 / BIN_WIDTH) - 1), [0.0, 0.0, 0.0])
        tally[0] += raw
        tally[1] += int(s.correct)
        tally[2] += 1
    if sum(t[2] for t in bins.values()) < MIN_SAMPLES:
        return ()
    points = []
    for _, (raw_sum, right, n) in sorted(bins.items()):
        mean = raw_sum / n
        points.append((mean, (right + PRIOR_WEIGHT * mean) / (n + PRIOR_WEIGHT), n + PRIOR_WEIGHT))
    knots: list[tuple[float, float]] = []
    for block in pool_adjacent_violators(points):
        for x in sorted({round(block.low, 4), round(block.high, 4)}):
            y = round(block.value, 4)
            if knots and knots[-1][0] == x:  # two blocks meeting at one rounded raw value (0.6 and 0.6000148)
                knots[-1] = (x, max(knots[-1][1], y))
            else:
                knots.append((x, y))
    return tuple(knots)


def threshold_for(pairs: Iterable[tuple[float, bool]], target: float) -> float | None:
    """The lowest calibrated confidence c such that the readings at or above c were right at least ``target``.

    None when even the most confident readings fall short (then nothing of this field posts unchecked
    except through a tenant threshold above it: the gate treats None as 1.0, i.e. always review).
    """
    ordered = sorted(pairs, key=lambda p: -p[0])
    best: float | None = None
    right = 0
    for count, (confidence, correct) in enumerate(ordered, start=1):
        right += int(correct)
        last = count == len(ordered) or ordered[count][0] != confidence  # ties are all in or all out
        if last and right / count >= target:
            best = confidence
    return best


def fit_table(samples: Sequence[Sample], target: float = DEFAULT_TARGET) -> dict[str, FieldMap]:
    maps: dict[str, FieldMap] = {}
    for name in FIELDS:
        mine = [s for s in samples if s.field == name]
        knots = fit_field(mine)
        if not knots:
            continue
        field_map = FieldMap(knots)
        # on the 3-place confidences the extraction carries, so the gate compares like with like
        threshold = threshold_for(((round(field_map(s.raw), 3), s.correct) for s in mine), target)
        maps[name] = FieldMap(knots, 1.0 if threshold is None else threshold)
    return maps


def table_json(maps: Mapping[str, FieldMap], meta: Mapping[str, object]) -> dict[str, object]:
    """What calibration.json holds (sorted keys, rounded: a refit on the same readings writes the same bytes)."""
    return {
        "meta": dict(meta),
        "fields": {
            name: {"knots": [list(k) for k in m.knots], "threshold": m.threshold} for name, m in sorted(maps.items())
        },
    }


# --- reliability ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bin:
    low: float
    high: float
    count: int
    confidence: float  # mean confidence in the bin
    accuracy: float  # share right


def reliability(pairs: Sequence[tuple[float, bool]], bins: int = 10) -> tuple[list[Bin], float]:
    """Equal-width bins over [0, 1] and the expected calibration error (weighted mean |accuracy - confidence|)."""
    grouped: list[list[tuple[float, bool]]] = [[] for _ in range(bins)]
    for confidence, correct in pairs:
        grouped[min(bins - 1, int(confidence * bins))].append((confidence, correct))
    out, error, total = [], 0.0, len(pairs)
    for index, members in enumerate(grouped):
        if not members:
            continue
        mean = sum(c for c, _ in members) / len(members)
        accuracy = sum(ok for _, ok in members) / len(members)
        out.append(Bin(index / bins, (index + 1) / bins, len(members), mean, accuracy))
        error += len(members) / total * abs(accuracy - mean)
    return out, error


def cross_validated_pairs(samples: Sequence[Sample], folds: int = 2) -> list[tuple[float, bool]]:
    """Calibrated confidence of each reading by a map fitted without its document (nor that document's variants)."""
    groups = sorted({s.group for s in samples})
    fold_of = {g: i % folds for i, g in enumerate(groups)}
    pairs: list[tuple[float, bool]] = []
    for fold in range(folds):
        train = [s for s in samples if fold_of[s.group] != fold]
        maps = fit_table(train)
        for s in samples:
            if fold_of[s.group] == fold:
                field_map = maps.get(s.field)
                pairs.append((field_map(s.raw) if field_map else min(1.0, max(0.0, s.raw)), s.correct))
    return pairs
