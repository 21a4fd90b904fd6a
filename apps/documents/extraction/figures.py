"""Net, VAT and gross as posted: the chosen candidates, figures derived from the other two, and never an
invented zero.

Why so careful with VAT: a VAT figure OCR could not read once became VAT 0.00 with net = gross, because
"no VAT amount found" was taken for "no VAT printed". A zero is now read only when no VAT line with a
non-zero rate is on the page (an unregistered trader, an exempt or zero-rated supply). When such a line is
there but its figure is not, VAT is derived as gross - net only if both were read and the difference is the
printed rate of the net; otherwise VAT stays unknown, so the arithmetic check fails, the reader tries its
second reading and the review gate holds the document.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from apps.ledger.extraction import Extracted

from .money import format_money
from .reread import reread_digit
from .totals import Candidate, Chosen, Totals, rate_fits

ZERO = Decimal("0.00")
LABELLED = 0.95  # a value printed next to its label
DERIVED = 0.8  # a figure computed from two others keeps 80% of their confidence
NO_VAT_PRINTED = 0.7  # VAT 0.00 because no VAT line is printed at all: likely, not read


def _rates_words(rates: set[Decimal]) -> str:
    return " and ".join(f"{r:g}%" for r in sorted(rates))


def money_fields(totals: Totals, chosen: Chosen) -> tuple[Extracted, Extracted, Extracted, list[str]]:
    """(net, VAT, gross, warnings) from the chosen candidates and what can be safely derived from them."""

    def take(candidate: Candidate | None) -> Extracted:
        if candidate is None:
            return Extracted()
        return Extracted(candidate.value, round(LABELLED * candidate.strength * candidate.confidence, 3))

    chosen, warnings = reread_digit(totals, chosen)
    for name, candidate in (("net amount", chosen.net), ("VAT", chosen.vat), ("total", chosen.gross)):
        if candidate is not None and candidate.alternative and not warnings:
            warnings.append(
                f"The {name} was printed unclearly; it was read as {format_money(candidate.value)}, the reading "
                "with which the figures add up. Check it."
            )
    rates = totals.printed_rates()
    net, vat, gross = take(chosen.net), take(chosen.vat), take(chosen.gross)
    if gross.value is None and net.present and vat.present:
        gross = Extracted(net.value + vat.value, DERIVED * min(net.confidence, vat.confidence))
    if net.value is None and gross.present and vat.present and vat.value <= gross.value:
        net = Extracted(gross.value - vat.value, DERIVED * min(gross.confidence, vat.confidence))
    if vat.value is None and net.present and gross.present and net.value <= gross.value:
        difference = gross.value - net.value
        if not rates or rate_fits(net.value, difference, rates):
            vat = Extracted(difference, DERIVED * min(gross.confidence, net.confidence))
            if totals.vat_unread:
                warnings.append(
                    f"The VAT figure could not be read; {format_money(difference)} (the total less the net, which "
                    f"is {_rates_words(rates)} of the net) was used."
                )
        else:
            warnings.append(
                f"VAT at {_rates_words(rates)} is printed but its amount could not be read, and the total "
                f"less the net ({format_money(difference)}) is not that rate of the net, so VAT was left blank."
            )
    no_vat_line = not totals.vat_signalled() and (totals.exempt_mentioned or not totals.vat_mentioned)
    if vat.value is None and net.value is None and gross.present and no_vat_line:
        # no VAT printed at all (an unregistered trader, or exempt): the whole total is net
        vat = Extracted(ZERO, NO_VAT_PRINTED * gross.confidence)
        net = Extracted(gross.value, NO_VAT_PRINTED * gross.confidence)
    if net.value is not None:
        _fill_rate_net(totals, net.value)
    if vat.value is None and totals.vat_unread and not warnings:
        warnings.append(
            f"A VAT line at {_rates_words(set(totals.vat_unread))} is printed but its amount could not be read; "
            "VAT was left blank rather than taken as zero."
        )
    return net, vat, gross, warnings


def _fill_rate_net(totals: Totals, net: Decimal) -> None:
    """ "VAT @ 20%  £100.00" beside "Disbursements (no VAT)  £45.00": the rated net is the rest of the net total,
    when VAT is that rate of it (so the breakdown has both rows)."""
    rows = totals.rate_vats
    missing = [r for r in rows if r.net is None]
    if len(rows) < 2 or len(missing) != 1 or missing[0].vat is None:
        return
    rest = net - sum((r.net for r in rows if r.net is not None), ZERO)
    if rate_fits(rest, missing[0].vat, {missing[0].rate}):
        totals.rate_vats = [replace(r, net=rest) if r is missing[0] else r for r in rows]
