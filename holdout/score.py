"""Scores beyond field accuracy, shared by ``manage.py golden`` (both sets) and the tests: pure functions.

- Ledger field accuracy: the seven fields a posting is made of (supplier, its VAT number, the document
  number, the date, net, VAT, gross), overall and split by any attribute of the document (clean / photo,
  degradation, layout).
- Silent errors: wrong ledger fields on documents the pipeline posted without a person looking (the costly
  error: a wrong figure in the books that nobody was asked to check). Target 0.
- Review rate: the share of documents that did not post on their own (needs review, or failed).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from golden.compare import FieldResult, Tally

LEDGER_FIELDS = ("supplier_name", "supplier_vat_number", "document_number", "issue_date", "net", "vat", "gross")


@dataclass(frozen=True)
class Outcome:
    """One document's run: its state after the pipeline and its field comparisons."""

    file: str
    state: str
    results: tuple[FieldResult, ...]
    photo: bool = False
    about: dict[str, Any] = field(default_factory=dict)
    reasons: tuple[str, ...] = ()  # why it went to review, in the pipeline's words

    @property
    def posted(self) -> bool:
        return self.state == "posted"

    def ledger(self) -> list[FieldResult]:
        return [r for r in self.results if r.field in LEDGER_FIELDS]


def tally(results: Iterable[FieldResult]) -> Tally:
    results = list(results)
    return Tally(sum(r.correct for r in results), len(results))


def ledger_accuracy(outcomes: Iterable[Outcome]) -> Tally:
    return tally(r for o in outcomes for r in o.ledger())


def per_field(outcomes: Iterable[Outcome], fields: Iterable[str] = LEDGER_FIELDS) -> dict[str, Tally]:
    outcomes = list(outcomes)
    return {name: tally(r for o in outcomes for r in o.results if r.field == name) for name in fields}


def split(outcomes: Iterable[Outcome], key: Callable[[Outcome], Iterable[str]]) -> dict[str, Tally]:
    """Ledger accuracy per group; ``key`` names the groups a document belongs to (it may be in several)."""
    groups: dict[str, list[Outcome]] = {}
    for o in outcomes:
        for name in key(o):
            groups.setdefault(name, []).append(o)
    return {name: ledger_accuracy(group) for name, group in sorted(groups.items())}


def silent_errors(outcomes: Iterable[Outcome]) -> list[FieldResult]:
    """Wrong ledger fields on documents that posted without review."""
    return [r for o in outcomes if o.posted for r in o.ledger() if not r.correct]


def review_rate(outcomes: Iterable[Outcome]) -> Tally:
    """Documents that did not post on their own / documents (a Tally, so its accuracy is the rate)."""
    outcomes = list(outcomes)
    return Tally(sum(not o.posted for o in outcomes), len(outcomes))


def all_right(outcomes: Iterable[Outcome], *, ledger_only: bool = False) -> Tally:
    outcomes = list(outcomes)
    ok = sum(all(r.correct for r in (o.ledger() if ledger_only else o.results)) for o in outcomes)
    return Tally(ok, len(outcomes))


def review_reasons(outcomes: Iterable[Outcome]) -> dict[str, int]:
    """How often each review reason occurs, figures masked ("read with N% confidence"), commonest first."""
    counts: dict[str, int] = {}
    for o in outcomes:
        if not o.posted:
            for reason in o.reasons or (o.state,):
                key = re.sub(r"\d+(\.\d+)?", "N", reason)
                counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _pct(t: Tally) -> str:
    return f"{t.accuracy:.1%} ({t.correct}/{t.total})"


def report(outcomes: list[Outcome]) -> dict[str, Any]:
    """Every figure the runner prints, as JSON-safe data (the README table is made from it)."""
    clean = [o for o in outcomes if not o.photo]
    photo = [o for o in outcomes if o.photo]
    silent = silent_errors(outcomes)
    return {
        "documents": len(outcomes),
        "clean_documents": len(clean),
        "photo_documents": len(photo),
        "ledger_field_accuracy": round(ledger_accuracy(outcomes).accuracy, 4),
        "clean_ledger_field_accuracy": round(ledger_accuracy(clean).accuracy, 4),
        "photo_ledger_field_accuracy": round(ledger_accuracy(photo).accuracy, 4),
        "field_accuracy": round(tally(r for o in outcomes for r in o.results).accuracy, 4),
        "clean_field_accuracy": round(tally(r for o in clean for r in o.results).accuracy, 4),
        "photo_field_accuracy": round(tally(r for o in photo for r in o.results).accuracy, 4),
        "per_field": {k: round(v.accuracy, 4) for k, v in per_field(outcomes).items()},
        "documents_all_ledger_fields_right": all_right(outcomes, ledger_only=True).correct,
        "documents_all_fields_right": all_right(outcomes).correct,
        "silent_errors": len(silent),
        "silent_error_list": [f"{r.document}: {r.field} expected {r.expected}, got {r.actual}" for r in silent],
        "review_rate": round(review_rate(outcomes).accuracy, 4),
        "clean_review_rate": round(review_rate(clean).accuracy, 4),
        "photo_review_rate": round(review_rate(photo).accuracy, 4),
        "reviewed": {o.file: list(o.reasons) or [o.state] for o in outcomes if not o.posted},
        "review_reasons": review_reasons(outcomes),
        "per_degradation": {
            k: round(v.accuracy, 4) for k, v in split(photo, lambda o: o.about.get("degradations", [])).items()
        },
        "per_layout": {k: round(v.accuracy, 4) for k, v in split(outcomes, _layout).items()},
        "per_format": {k: round(v.accuracy, 4) for k, v in split(outcomes, _format).items()},
    }


def _layout(o: Outcome) -> list[str]:
    return [str(o.about.get("layout") or o.about.get("template") or "?")]


def _format(o: Outcome) -> list[str]:
    return ["photo" if o.photo else str(o.about.get("format", "?"))]


def render(outcomes: list[Outcome], title: str) -> str:
    """The human report: ledger accuracy split clean / photo, per field, per degradation, silent errors, review."""
    clean = [o for o in outcomes if not o.photo]
    photo = [o for o in outcomes if o.photo]
    lines = [f"{title}: ledger fields (the seven a posting is made of) {_pct(ledger_accuracy(outcomes))}"]
    if photo:
        lines.append(f"  clean/scanned {_pct(ledger_accuracy(clean))}; photo-like {_pct(ledger_accuracy(photo))}")
    for name, t in per_field(outcomes).items():
        lines.append(f"  {name:<20} {_pct(t)}")
    if photo:
        lines.append("  per degradation (photo-like documents carrying it):")
        for name, t in split(photo, lambda o: o.about.get("degradations", [])).items():
            lines.append(f"    {name:<12} {_pct(t)}")
    lines.append("  per layout: " + ", ".join(f"{k} {v.accuracy:.0%}" for k, v in split(outcomes, _layout).items()))
    lines.append(
        f"  documents with every ledger field right {_pct(all_right(outcomes, ledger_only=True))}; "
        f"with all 12 fields right {_pct(all_right(outcomes))}"
    )
    review = f"review rate {_pct(review_rate(outcomes))}"
    if photo:
        review += f" (clean {_pct(review_rate(clean))}, photo-like {_pct(review_rate(photo))})"
    silent = silent_errors(outcomes)
    lines.append(f"  {review}; silent errors {len(silent)}")
    for r in silent:
        lines.append(f"    silent: {r.document} {r.field}: expected {r.expected}, got {r.actual}")
    for o in outcomes:
        if not o.posted:
            lines.append(f"    review: {o.file} ({o.state}: {'; '.join(o.reasons) or '-'})")
    return "\n".join(lines)
