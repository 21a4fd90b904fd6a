"""Compare an extraction with the golden truth, field by field; summarise; render a readable diff.

Pure functions (no I/O, no Django), so ``manage.py golden``, the tests and a
notebook share them. Normalisation, deliberately small and documented:

- supplier_name, customer_name: case, accents, punctuation and spacing are
  ignored; "&" equals "and", "Limited" equals "Ltd".
- supplier_vat_number: digits only (a "GB" prefix and spaces are ignored).
- document_number: case and spaces are ignored.
- kind, currency, issue_date: exact.
- net, vat, gross: exact to the penny.
- vat_breakdown: a multiset of (rate, net, vat), exact to the penny.
- lines: a multiset of (description, net, vat rate), the description
  normalised like a name (case, accents, punctuation, spacing ignored);
  quantity and unit price are not compared.

Every document contributes the same 12 fields (the 10 scalar fields, the
breakdown and the lines); a field the truth leaves empty (e.g. customer_name
on a purchase) is correct only when the extraction leaves it empty too.
Field accuracy = correct fields / compared fields.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from apps.ledger.extraction import Extraction

SCALARS = Extraction.SCALAR_FIELDS
FIELDS = (*SCALARS, "vat_breakdown", "lines")
MONEY = {"net", "vat", "gross"}


@dataclass(frozen=True)
class FieldResult:
    document: str
    field: str
    expected: Any
    actual: Any
    correct: bool
    detail: str = ""  # for lines and breakdown: what is missing and what is unexpected

    @property
    def expected_present(self) -> bool:
        """The truth has a value here (not None, not an empty list)."""
        return self.expected not in (None, [], "")


@dataclass(frozen=True)
class Tally:
    correct: int
    total: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 1.0


@dataclass
class Summary:
    documents: int
    fields: Tally
    per_field: dict[str, Tally] = field(default_factory=dict)
    per_document: dict[str, Tally] = field(default_factory=dict)
    present: Tally = field(default_factory=lambda: Tally(0, 0))  # only fields the truth fills

    @property
    def accuracy(self) -> float:
        return self.fields.accuracy

    def to_json(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "field_accuracy": round(self.accuracy, 4),
            "correct": self.fields.correct,
            "compared": self.fields.total,
            "present_field_accuracy": round(self.present.accuracy, 4),
            "per_field": {k: round(v.accuracy, 4) for k, v in self.per_field.items()},
            "per_document": {k: f"{v.correct}/{v.total}" for k, v in self.per_document.items()},
        }


def normalise_text(value: Any) -> str:
    decomposed = unicodedata.normalize("NFKD", str(value))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower().replace("&", " and ")
    words = re.sub(r"[^a-z0-9]+", " ", plain).split()
    return " ".join("ltd" if w == "limited" else w for w in words)


def _money(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None


def _rate(value: Any) -> Decimal | None:
    return None if value is None else _money(value)


def normalise_scalar(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in MONEY:
        return _money(value)
    if name in ("supplier_name", "customer_name"):
        return normalise_text(value) or None
    if name == "supplier_vat_number":
        return re.sub(r"\D", "", str(value)) or None
    if name == "document_number":
        return re.sub(r"\s+", "", str(value)).upper() or None
    if name == "currency":
        return str(value).upper()
    return str(value)


def _lines_key(line: dict[str, Any]) -> tuple:
    return (normalise_text(line.get("description", "")), _money(line.get("net")), _rate(line.get("vat_rate")))


def _breakdown_key(row: dict[str, Any]) -> tuple:
    return (_rate(row.get("rate")), _money(row.get("net")), _money(row.get("vat")))


def _multiset(document: str, name: str, expected: Iterable[tuple], actual: Iterable[tuple]) -> FieldResult:
    want, got = Counter(expected), Counter(actual)
    missing, unexpected = list((want - got).elements()), list((got - want).elements())
    detail = ""
    if missing or unexpected:
        detail = f"missing {_show(missing)}; unexpected {_show(unexpected)}"
    return FieldResult(document, name, sorted(want.elements(), key=str), sorted(got.elements(), key=str),
                       not missing and not unexpected, detail)  # fmt: skip


def _show(items: Sequence[tuple]) -> str:
    if not items:
        return "none"
    return ", ".join("(" + ", ".join("-" if x is None else str(x) for x in item) + ")" for item in items)


def compare_extraction(
    expected: dict[str, Any], actual: Extraction | dict[str, Any], *, document: str = ""
) -> list[FieldResult]:
    """One FieldResult per compared field. ``expected`` is a golden expected file or its "extraction" part."""
    truth = expected.get("extraction", expected)
    document = document or expected.get("file", "")
    got = actual.to_json(with_confidence=False) if isinstance(actual, Extraction) else _values_only(actual)
    results = []
    for name in SCALARS:
        want, have = normalise_scalar(name, truth.get(name)), normalise_scalar(name, got.get(name))
        results.append(FieldResult(document, name, truth.get(name), got.get(name), want == have))
    results.append(_multiset(document, "vat_breakdown", map(_breakdown_key, truth.get("vat_breakdown", [])),
                             map(_breakdown_key, got.get("vat_breakdown", []))))  # fmt: skip
    results.append(_multiset(document, "lines", map(_lines_key, truth.get("lines", [])),
                             map(_lines_key, got.get("lines", []))))  # fmt: skip
    return results


def _values_only(data: dict[str, Any]) -> dict[str, Any]:
    """Accept ``to_json()`` output with confidences too."""
    out = dict(data)
    for name in SCALARS:
        if isinstance(out.get(name), dict):
            out[name] = out[name].get("value")
    return out


def summarise(results: Iterable[FieldResult]) -> Summary:
    results = list(results)
    per_field: dict[str, list[int]] = {name: [0, 0] for name in FIELDS}
    per_document: dict[str, list[int]] = {}
    for r in results:
        for bucket in (per_field.setdefault(r.field, [0, 0]), per_document.setdefault(r.document, [0, 0])):
            bucket[0] += r.correct
            bucket[1] += 1
    correct = sum(r.correct for r in results)
    present = [r for r in results if r.expected_present]
    return Summary(
        documents=len(per_document),
        fields=Tally(correct, len(results)),
        present=Tally(sum(r.correct for r in present), len(present)),
        per_field={k: Tally(*v) for k, v in per_field.items() if v[1]},
        per_document={k: Tally(*v) for k, v in per_document.items()},
    )


def _value(value: Any) -> str:
    if value is None:
        return "(nothing)"
    if isinstance(value, list):
        return _show(value) if value and isinstance(value[0], tuple) else str(value)
    return str(value)


def render_diff(results: Iterable[FieldResult], *, only_wrong: bool = True) -> str:
    """A readable per-document diff: one line per wrong (or every) field."""
    out: list[str] = []
    by_document: dict[str, list[FieldResult]] = {}
    for r in results:
        by_document.setdefault(r.document, []).append(r)
    for document, rows in by_document.items():
        wrong = [r for r in rows if not r.correct]
        if only_wrong and not wrong:
            continue
        out.append(f"{document}  {len(rows) - len(wrong)}/{len(rows)} fields correct")
        for r in rows if not only_wrong else wrong:
            mark = "ok" if r.correct else "XX"
            if r.detail:
                out.append(f"  {mark} {r.field}: {r.detail}")
            else:
                out.append(f"  {mark} {r.field}: expected {_value(r.expected)}, got {_value(r.actual)}")
    return "\n".join(out)


def render_summary(summary: Summary) -> str:
    lines = [
        f"Field accuracy {summary.accuracy:.1%} ({summary.fields.correct}/{summary.fields.total} fields, "
        f"{summary.documents} documents); on fields the truth fills {summary.present.accuracy:.1%} "
        f"({summary.present.correct}/{summary.present.total})"
    ]
    for name, tally in summary.per_field.items():
        lines.append(f"  {name:<20} {tally.accuracy:6.1%}  ({tally.correct}/{tally.total})")
    return "\n".join(lines)
