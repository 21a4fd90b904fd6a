"""Ledger lines to the nine VAT boxes (standard accounting). Pure: no database.

The rules: docs/contracts/uk-vat-rules.md, The nine boxes.

The ledger records VAT where the posting conventions put it: output VAT on
the 821 control account, input VAT on 820, and each net amount on an income
or expense line carrying its VAT treatment. So:

* box 1 = output VAT: credits less debits on output-VAT control accounts;
* box 4 = input VAT: debits less credits on input-VAT control accounts;
* box 6 = net sales: credits less debits on income accounts whose lines carry a
  VAT treatment other than "outside the scope" (standard, reduced, zero, exempt);
* box 7 = net purchases: debits less credits on expense and non-system asset
  accounts, by the same rule;
* boxes 2, 8 and 9 (Northern Ireland trade with the EU) are zero: the ledger has
  no NI treatments, which the return page says;
* box 3 = box 1 + box 2; box 5 = |box 3 − box 4|; boxes 6–9 in whole pounds.

Reversals copy their original's treatment, so they net out. A net line with
no treatment at all (the rate could not be worked out) is left out of boxes 6
and 7 and reported as a warning rather than guessed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from apps.filing.domain import ZERO, VatBoxes
from apps.ledger import chart

COUNTED_TREATMENTS = frozenset({"standard", "reduced", "zero", "exempt", "mixed"})
# Control accounts that are never "purchases" however they are typed (bank, receivables, payables).
SYSTEM_CODES = frozenset(
    {chart.BANK, chart.ACCOUNTS_RECEIVABLE, chart.ACCOUNTS_PAYABLE, chart.VAT_INPUT, chart.VAT_OUTPUT}
)


@dataclass(frozen=True)
class LedgerLine:
    id: object
    date: date
    account_code: str
    account_type: str  # asset, liability, equity, income, expense
    vat_control: str  # "input", "output" or ""
    vat_treatment: str
    debit: Decimal
    credit: Decimal


@dataclass(frozen=True)
class Contribution:
    line_id: object
    box: int
    amount: Decimal
    is_adjustment: bool


@dataclass
class BoxComputation:
    boxes: VatBoxes
    contributions: list[Contribution] = field(default_factory=list)
    # Lines left out, in words, with their ids (shown beside the figures).
    warnings: list[tuple[object, str]] = field(default_factory=list)


def box_for(line: LedgerLine) -> tuple[int, Decimal] | None:
    """The box a line counts in and its signed contribution, or None when it counts nowhere."""
    if line.vat_control == "output":
        return 1, line.credit - line.debit
    if line.vat_control == "input":
        return 4, line.debit - line.credit
    if line.vat_treatment not in COUNTED_TREATMENTS:
        return None
    if line.account_type == "income":
        return 6, line.credit - line.debit
    if line.account_type in ("expense", "asset") and line.account_code not in SYSTEM_CODES:
        return 7, line.debit - line.credit
    return None


def compute_boxes(lines: Iterable[LedgerLine], *, period_start: date) -> BoxComputation:
    """The return for the given lines; lines dated before ``period_start`` are adjustments carried in."""
    sums = {1: ZERO, 4: ZERO, 6: ZERO, 7: ZERO}
    contributions: list[Contribution] = []
    warnings: list[tuple[object, str]] = []
    for line in lines:
        found = box_for(line)
        if found is None:
            if not line.vat_treatment and line.account_type in ("income", "expense") and not line.vat_control:
                warnings.append(
                    (line.id, f"A line on account {line.account_code} has no VAT treatment: left out of boxes 6 and 7.")
                )
            continue
        box, amount = found
        sums[box] += amount
        contributions.append(Contribution(line.id, box, amount, line.date < period_start))
    boxes = VatBoxes.from_sums(
        vat_sales=sums[1],
        vat_acquisitions=ZERO,
        vat_reclaimed=sums[4],
        sales_ex_vat=sums[6],
        purchases_ex_vat=sums[7],
    )
    return BoxComputation(boxes, contributions, warnings)
