"""One misread digit in net, VAT or gross, found when two independent checks agree on the correction.

Why both checks: OCR confuses digits of similar shape (3/8, 5/6, 0/8, 1/7), and the result still looks like
money. When the three totals disagree, each printed figure's one-digit alternatives are tried; a correction is
taken only when it is the single one that makes net + VAT = gross *and* VAT the printed rate of net. One
check alone could be met by chance; both together are the document agreeing with itself. The corrected figure
keeps 60% of its confidence and a warning names both readings.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from .dates import CONFUSIONS
from .money import format_money
from .totals import Chosen, Totals, rate_fits

REREAD = 0.6
NAMES = {"net": "net amount", "vat": "VAT", "gross": "total"}


def _one_digit_away(value: Decimal) -> list[Decimal]:
    printed = f"{value:.2f}"
    out = []
    for i, c in enumerate(printed):
        for other in CONFUSIONS.get(c, ""):
            text = printed[:i] + other + printed[i + 1 :]
            if not (text.startswith("0") and len(text.split(".")[0]) > 1):
                out.append(Decimal(text))
    return out


def reread_digit(totals: Totals, chosen: Chosen) -> tuple[Chosen, list[str]]:
    """``chosen`` with the one figure corrected when exactly one one-digit reading satisfies both checks."""
    n, v, g = chosen.net, chosen.vat, chosen.gross
    rates = totals.printed_rates()
    if chosen.consistent or n is None or v is None or g is None or len(rates) != 1:
        return chosen, []
    values = {"net": n.value, "vat": v.value, "gross": g.value}
    fixes: list[tuple[str, Decimal]] = []
    for name in values:
        for other in _one_digit_away(values[name]):
            trial = {**values, name: other}
            if trial["net"] + trial["vat"] == trial["gross"] and rate_fits(trial["net"], trial["vat"], rates):
                fixes.append((name, other))
    if len(fixes) != 1:
        return chosen, []
    name, value = fixes[0]
    old = getattr(chosen, name)
    new = replace(old, value=value, confidence=old.confidence * REREAD, alternative=True)
    fixed = replace(chosen, **{name: new}, consistent=True)
    if name == "vat" and len(totals.rate_vats) == 1:
        totals.rate_vats = [replace(totals.rate_vats[0], vat=value, alternatives=())]
    return fixed, [
        f"The {NAMES[name]} was read as {format_money(old.value)}, but {format_money(value)} (one digit read "
        f"differently) makes net + VAT = total and VAT {next(iter(rates)):g}% of the net, so it was used."
    ]
