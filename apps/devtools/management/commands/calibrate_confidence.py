"""manage.py calibrate_confidence: fit the per-field confidence calibration on the golden set and report it.

Reads every good golden document and its degraded renderings (readings.py),
fits a monotone map per field from raw to calibrated confidence and each
field's review threshold (fit.py), writes ``apps/documents/extraction/calibration.json``,
and prints the reliability table and expected calibration error (in-sample and
two-fold cross-validated by document) and what the review gate would do:
silent errors (wrong fields on documents it would post unchecked) and the
review rate on clean documents. ``--check`` fits and reports without writing.
Never reads the held-out set (decision 0032).
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.devtools.confidence.fit import (
    DEFAULT_TARGET,
    Sample,
    cross_validated_pairs,
    fit_table,
    reliability,
    table_json,
)
from apps.devtools.confidence.gate import simulate
from apps.devtools.confidence.readings import VARIANTS, Reading, collect
from apps.documents.extraction import calibration


class Command(BaseCommand):
    help = "Fit calibrated per-field confidence on the golden set (+ degraded renderings) and report it."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--readings", default="", help="JSON-lines file of readings: reused and extended.")
        parser.add_argument("--variants", default=",".join(VARIANTS), help="Degraded renderings to add ('' = none).")
        parser.add_argument("--only", default="", help="Only golden documents whose file name contains this.")
        parser.add_argument("--target", type=float, default=DEFAULT_TARGET, help="Precision each threshold aims at.")
        parser.add_argument("--check", action="store_true", help="Fit and report, but do not write the table.")
        parser.add_argument("--table", default=str(calibration.TABLE_PATH), help="Where to write the table.")

    def handle(self, *args, readings: str = "", variants: str = "", only: str = "", target: float = DEFAULT_TARGET,
               check: bool = False, table: str = "", **options) -> None:  # fmt: skip
        found = self._readings(Path(readings) if readings else None, tuple(v for v in variants.split(",") if v), only)
        if not found:
            raise CommandError("No readings: nothing to fit.")
        samples = [
            Sample(name, raw, found_reading.correct.get(name, False), found_reading.document)
            for found_reading in found
            for name, raw in found_reading.raw.items()
        ]
        maps = fit_table(samples, target)
        meta = {
            "fitted_on": "golden good documents + degraded renderings (" + ", ".join(sorted({r.variant for r in found}))
            + ")",
            "documents": len({r.document for r in found}),
            "readings": len(found),
            "samples": len(samples),
            "target_precision": target,
        }  # fmt: skip
        data = table_json(maps, meta)
        fitted = calibration.table_from_json(data)
        self._report(samples, found, fitted)
        if check:
            return
        path = Path(table)
        path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
        calibration.load_table.cache_clear()
        self.stdout.write(self.style.SUCCESS(f"Wrote {path} ({len(maps)} fields)."))

    def _readings(self, path: Path | None, variants: tuple[str, ...], only: str) -> list[Reading]:
        from golden.cases import load_cases

        cases = [c for c in load_cases() if only in c.file]
        done: list[Reading] = []
        if path is not None and path.exists():  # one reading per line: an interrupted run resumes where it stopped
            done = [Reading.from_json(json.loads(line)) for line in path.read_text().splitlines() if line.strip()]
            self.stdout.write(f"Reusing {len(done)} readings from {path}.")
        skip = {(r.document, r.variant) for r in done}
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        for reading in collect(cases, variants, progress=lambda line: self.stdout.write(f"  {line}"), skip=skip):
            done.append(reading)
            if path is not None:
                with path.open("a") as file:
                    file.write(json.dumps(reading.to_json(), ensure_ascii=False) + "\n")
        return [r for r in done if only in r.document and r.variant in ("original", *variants)]

    def _report(self, samples: list[Sample], found: list[Reading], fitted: calibration.Table) -> None:
        out = self.stdout.write
        raw_pairs = [(min(1.0, max(0.0, s.raw)), s.correct) for s in samples]
        fitted_pairs = [(fitted.calibrated(s.field, s.raw), s.correct) for s in samples]
        cv_pairs = cross_validated_pairs(samples)
        out(f"\n{len(found)} readings of {len({r.document for r in found})} golden documents, {len(samples)} fields")
        out("\nPer field: samples, right, threshold (calibrated), knots")
        for name in calibration.FIELDS:
            mine = [s for s in samples if s.field == name]
            field_map = fitted.fields.get(name)
            knots = " ".join(f"{x:.3f}>{y:.3f}" for x, y in field_map.knots) if field_map else "(raw kept)"
            bar = f"{field_map.threshold:.3f}" if field_map and field_map.threshold is not None else "-"
            out(f"  {name:<20}{len(mine):>5}{sum(s.correct for s in mine):>6}   {bar:<7} {knots}")
        for title, pairs in (("raw", raw_pairs), ("calibrated (in-sample)", fitted_pairs),
                             ("calibrated (2-fold cross-validated by document)", cv_pairs)):  # fmt: skip
            bins, ece = reliability(pairs)
            out(f"\nReliability, {title}: ECE {ece:.4f}")
            out("  bin          n   confidence  accuracy")
            for b in bins:
                out(f"  {b.low:.1f}-{b.high:.1f} {b.count:>6}   {b.confidence:>9.3f}  {b.accuracy:>8.3f}")
        threshold = float(settings.CLASSIFICATION_CONFIDENCE_THRESHOLD)
        out(f"\nReview gate (tenant threshold {threshold:.2f}, per-field thresholds from this fit):")
        outcomes = simulate(found, fitted, threshold)
        for variant, o in sorted(outcomes.items(), key=lambda kv: (kv[0] == "all", kv[0])):
            out(
                f"  {variant:<10} {o.documents:>4} documents; clean {o.clean}: review rate {o.review_rate:.1%} "
                f"({o.clean_reviewed}); must-review caught {o.must_review_caught}/{o.must_review}; "
                f"auto-posted {o.auto_posted}; silent errors {len(o.silent_errors)}"
            )
        everything = outcomes.get("all")
        if everything:
            for line in everything.silent_errors:
                out(self.style.ERROR(f"  silent error: {line}"))
            out("  Review reasons (first words: count):")
            for words, count in sorted(everything.reasons.items(), key=lambda kv: -kv[1])[:15]:
                out(f"    {count:>4}  {words}…")
