"""Bulk actions on bank lines: accept each line's best suggestion, or ignore them all with one reason.

One transaction per line (a refusal leaves the others done) and a summary of what
happened. Decision 0040.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from apps.ledger import bank_selectors
from apps.ledger.bank_selectors import SuggestionKind
from apps.ledger.errors import LedgerError
from apps.ledger.models import BankTransaction
from apps.ledger.services.bank import BankLineError, ignore_bank_line
from apps.ledger.services.bank_reconcile import accept_suggestion


@dataclass
class BulkResult:
    done: int = 0
    without_suggestion: int = 0
    refused: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        text = f"{self.done} line(s) handled"
        if self.without_suggestion:
            text += f"; {self.without_suggestion} had no suggestion and were left"
        if self.refused:
            text += f"; {len(self.refused)} refused: " + " ".join(self.refused[:3])
        return text + "."


BULK_ACTIONS = ("accept", "ignore")
MAX_BULK_LINES = 200


def bulk_handle(*, lines: Sequence[BankTransaction], action: str, reason: str = "", actor) -> BulkResult:
    """Accept each line's best suggestion, or ignore each with one reason: one transaction per line."""
    if action not in BULK_ACTIONS:
        raise BankLineError("Choose what to do with the selected lines: accept suggestions or ignore.")
    if not lines:
        raise BankLineError("Select at least one bank line.")
    if len(lines) > MAX_BULK_LINES:
        raise BankLineError(f"Select at most {MAX_BULK_LINES} lines at once.")
    if action == "ignore" and not (reason or "").strip():
        raise BankLineError("Say why the selected lines are ignored.")
    result = BulkResult()
    found: dict = {}
    if action == "accept":
        found, _ = bank_selectors.suggestions_by_line(lines)
    taken: set[str] = set()  # two lines of the same amount must not both claim one bill: the next one is used
    for line in lines:
        try:
            if action == "ignore":
                ignore_bank_line(line=line, reason=reason, actor=actor)
            else:
                suggestion = next((s for s in found.get(line.pk, []) if s.ref not in taken), None)
                if suggestion is None:
                    result.without_suggestion += 1
                    continue
                accept_suggestion(line=line, kind=suggestion.kind, ref=suggestion.ref, actor=actor)
                if suggestion.kind in (SuggestionKind.BILL, SuggestionKind.INVOICE, SuggestionKind.JOURNAL):
                    taken.add(suggestion.ref)
        except LedgerError as exc:
            result.refused.append(f"{line.date:%d %b}: {exc}")
            continue
        result.done += 1
    return result


__all__ = ["BULK_ACTIONS", "MAX_BULK_LINES", "BulkResult", "bulk_handle"]
