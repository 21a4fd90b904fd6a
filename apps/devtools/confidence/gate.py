"""What the review gate would do with the readings: silent errors and review rate, per variant.

A silent error is a document the gate would post unchecked with a wrong
ledger-affecting field (rules_engine.LEDGER_FIELDS, plus the VAT breakdown,
which fills the return's boxes). The review rate is measured on clean
documents (the golden truth expects them posted); the documents that must go
to review are reported apart (sent or not).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from apps.documents.extraction.calibration import Table
from apps.ledger.extraction import Extraction
from apps.ledger.rules_engine import LEDGER_FIELDS, classify, field_needed

from .readings import Reading

CHECKED_FIELDS = (*(name for name, _ in LEDGER_FIELDS), "vat_breakdown")


@dataclass
class Outcome:
    documents: int = 0
    clean: int = 0
    clean_reviewed: int = 0
    must_review: int = 0
    must_review_caught: int = 0
    auto_posted: int = 0
    silent_errors: list[str] = field(default_factory=list)  # "file (variant): fields"
    reasons: dict[str, int] = field(default_factory=dict)  # first words of each review reason -> count

    @property
    def review_rate(self) -> float:
        return self.clean_reviewed / self.clean if self.clean else 0.0


def recalibrated(reading: Reading, table: Table) -> Extraction:
    """The reading's extraction with confidences from ``table`` applied to its raw ones (so a refit is judged)."""
    extraction = Extraction.from_json(reading.extraction)
    for name, raw in reading.raw.items():
        item = getattr(extraction, name)
        setattr(extraction, name, replace(item, confidence=round(table.calibrated(name, raw), 3)))
    return extraction


def _counts(name: str, reading: Reading) -> bool:
    """A wrong field counts where the gate needs it, or where a value was read (a wrong value, not a gap)."""
    if name == "vat_breakdown":
        return True
    extraction = Extraction.from_json(reading.extraction)
    kind = str(extraction.kind.value) if extraction.kind.value is not None else ""
    return getattr(extraction, name).present or field_needed(name, extraction, kind)


def simulate(readings: Sequence[Reading], table: Table, tenant_threshold: float) -> dict[str, Outcome]:
    """Per variant ("original", "photo", …, and "all"): what the gate does with each reading."""
    outcomes: dict[str, Outcome] = {}
    thresholds: Mapping[str, float] = table.thresholds()
    for reading in readings:
        result = classify(recalibrated(reading, table), tenant_rules=[], threshold=tenant_threshold,
                          own_vat_numbers=reading.own_vat_numbers, field_thresholds=thresholds)  # fmt: skip
        for key in (reading.variant, "all"):
            out = outcomes.setdefault(key, Outcome())
            out.documents += 1
            if reading.clean:
                out.clean += 1
                out.clean_reviewed += result.needs_review
            else:
                out.must_review += 1
                out.must_review_caught += result.needs_review
            for reason in result.reasons:
                words = " ".join(reason.split()[:6])
                out.reasons[words] = out.reasons.get(words, 0) + 1
            if not result.needs_review:
                out.auto_posted += 1
                wrong = [n for n in CHECKED_FIELDS if not reading.correct.get(n, True) and _counts(n, reading)]
                if wrong:
                    out.silent_errors.append(f"{reading.document} ({reading.variant}): {', '.join(wrong)}")
    return outcomes
