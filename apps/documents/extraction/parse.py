"""From page texts to an ``Extraction``: pure functions, no I/O, so tests and the golden runner share them.

Why a separate step from reading: the same parser serves text-layer PDFs and
OCR, and it can be tested on plain strings. Confidence of a field =
(mean OCR confidence of the words that printed the value; 1.0 for a text
layer) x (how it was found: 0.95 labelled, 0.8-0.9 by position, 0.6 a guess;
derived figures such as net = gross - VAT keep 80% of their sources').
An independent check then halves the remaining doubt: VAT check digits for
the VAT number, "everything adds up" for the money fields, a match with the
business's own names for a sales invoice's issuer. When the arithmetic fails,
the money confidences are halved instead (checks.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

from apps.ledger.extraction import EXEMPT_RATE, DocumentKind, Extracted, Extraction, LineItem, VatBreakdown

from . import header
from .calibration import calibrate
from .checks import apply_checks
from .direction import Business, decide
from .docnumber import REPAIRED
from .figures import money_fields
from .issued import issue_date
from .items import RawItem, find_items
from .money import format_money, to_money
from .supplier import reconcile as reconcile_supplier
from .text import PageLines, TextLine, build_lines
from .totals import Totals, choose, find_totals, unique_rows
from .vatnumber import VatNumber, find_vat_numbers, is_bare_label, normalise_vat_number

ZERO = Decimal("0.00")
DERIVED = 0.8  # a figure computed from two others keeps 80% of their confidence


def extract_fields(
    pages: Sequence[PageLines],
    *,
    own_names: Sequence[str] = (),
    own_vat_numbers: Sequence[str] = (),
    own_company_numbers: Sequence[str] = (),
    received_on: date | None = None,
    known_suppliers: Mapping[str, str] | None = None,
) -> Extraction:
    """Every field of the contract from the pages' text (``pages`` are not attached; the reader does that).

    ``own_*``: what identifies the business itself, so that its own sales invoices are told from bills
    (direction.py) and its own VAT number is never taken for a supplier's. ``received_on``: the day the
    document arrived, against which its issue date is checked (issued.py); None skips that check.
    ``known_suppliers``: compact VAT number -> the supplier's name on the business's record
    (supplier.reconcile), optional.
    """
    lines = build_lines(pages)
    result = Extraction()
    if not lines:
        result.warnings.append("No text was found in this document.")
        return result
    us = Business(
        tuple(own_names),
        tuple(n for n in (normalise_vat_number(v) for v in own_vat_numbers) if n),
        tuple(c.strip().upper() for c in own_company_numbers if c and c.strip()),
    )
    found = _vat_numbers(lines, result)
    ours_printed = any(n.compact in us.vat_numbers for _, n in found)
    supplier, supplier_line = header.supplier_name(lines, own_names, ours_printed=ours_printed or not us.vat_numbers)
    result.supplier_name = supplier
    direction = decide(lines, supplier.value, [n.compact for _, n in found if n.valid], us)
    if direction.doubt:
        result.doubts.append(direction.doubt)
    result.kind = header.document_kind(lines, direction)
    result.supplier_vat_number = _vat_number(found, us.vat_numbers, ours_first=direction.sale)
    if result.kind.value == DocumentKind.SALES_INVOICE:
        result.supplier_name = _confirm(supplier)  # it matched one of the business's own names
        result.customer_name = header.customer_name(lines, supplier.value, own_names)
    else:
        result.supplier_name, doubt = reconcile_supplier(
            supplier, supplier_line, lines, result.supplier_vat_number, known_suppliers
        )
        if doubt:
            result.doubts.append(doubt)
    result.document_number = header.document_number(lines, credit_note=result.kind.value == DocumentKind.CREDIT_NOTE)
    result.issue_date, date_warnings = issue_date(lines, received_on=received_on)
    result.warnings.extend(date_warnings)
    result.currency = header.currency(lines)

    totals = find_totals(lines)
    net, vat, gross, money_warnings = money_fields(totals, choose(totals))
    result.warnings.extend(money_warnings)
    raw_items = find_items(lines, totals, targets=(net.value, gross.value))
    if net.value is None and raw_items and gross.value is None:
        net = Extracted(sum((i.amount for i in raw_items), ZERO), 0.5)
    result.net, result.vat, result.gross = net, vat, gross
    result.vat_breakdown = _breakdown(totals, raw_items, net.value, vat.value)
    result.lines, inclusive = _lines(raw_items, result.vat_breakdown, net.value, gross.value, result.warnings)
    apply_checks(result, inclusive=inclusive)
    if result.arithmetic_ok:  # lines, net, VAT, gross and rates agree: each figure is confirmed by the others
        result.net, result.vat, result.gross = (_confirm(x) for x in (result.net, result.vat, result.gross))
    return calibrate(result)  # raw confidences -> calibrated ones (the raw kept in result.raw_confidences)


def _confirmed(confidence: float) -> float:
    """A value an independent check agrees with keeps half of its doubt."""
    return round(1 - (1 - confidence) / 2, 3)


def _confirm(item: Extracted) -> Extracted:
    return Extracted(item.value, _confirmed(item.confidence)) if item.present else item


def _vat_numbers(lines: Sequence[TextLine], result: Extraction) -> list[tuple[TextLine, VatNumber]]:
    """Every VAT number printed, in order; a number whose check digits fail is recorded and warned about."""
    found: list[tuple[TextLine, VatNumber]] = []
    for i, line in enumerate(lines):
        after_label = i > 0 and lines[i - 1].page == line.page and is_bare_label(lines[i - 1].text)
        for number in find_vat_numbers(line.text, after_label=after_label):
            found.append((line, number))
            if not number.valid:
                result.invalid_vat_numbers.append(number.compact)
                result.warnings.append(
                    f"The VAT number {number.printed} on the document is not a valid UK VAT number "
                    "(its check digits are wrong), so it was not used."
                )
    return found


def _vat_number(found: Sequence[tuple[TextLine, VatNumber]], own: Sequence[str], *, ours_first: bool) -> Extracted:
    """The issuer's VAT number: the first valid one, passing over the business's own on a bill.

    On a bill the business's own number is printed as the customer's; it is the supplier's only
    when it is the only one (classification then sends the document to review for it).
    """
    valid = [(line, n) for line, n in found if n.valid]
    preferred = [(line, n) for line, n in valid if (n.compact in own) == ours_first]
    chosen = (preferred or valid or [None])[0]
    if chosen is None:
        return Extracted()
    line, number = chosen
    # the check digits confirm the OCR reading (or the repair of its look-alikes): halve the remaining doubt
    repaired = REPAIRED if number.repaired else 1.0
    confidence = header.LABELLED * repaired * line.confidence_at(number.start, number.end)
    return Extracted(number.compact, _confirmed(confidence))


def _breakdown(
    totals: Totals, items: Sequence[RawItem], net: Decimal | None, vat: Decimal | None
) -> list[VatBreakdown]:
    rows = unique_rows(totals.rows)
    if rows:
        return [VatBreakdown(r.rate, r.net or ZERO, r.vat or ZERO) for r in rows]
    rate_vats = unique_rows(totals.rate_vats)
    if len(rate_vats) == 1 and net is not None:
        row = rate_vats[0]
        return [VatBreakdown(row.rate, row.net if row.net is not None else net, row.vat or ZERO)]
    if rate_vats:
        out = []
        for row in rate_vats:
            rate_net = row.net
            if rate_net is None and any(i.rate is not None for i in items):
                rate_net = sum((i.amount for i in items if i.rate == row.rate), ZERO)
            if rate_net is not None:
                out.append(VatBreakdown(row.rate, rate_net, row.vat or ZERO))
        return out
    if net is None or vat is None:
        return []
    if vat == 0 and totals.exempt_mentioned:
        return [VatBreakdown(EXEMPT_RATE, net, ZERO)]
    rated = {i.rate for i in items if i.rate is not None}
    if len(rated) > 1:
        return [
            VatBreakdown(rate, sum((i.amount for i in items if i.rate == rate), ZERO), ZERO if rate <= 0 else vat)
            for rate in sorted(rated, reverse=True)
        ]
    if vat > 0 and net > 0:
        ratio = vat / net * 100
        rate = next((Decimal(r) for r in (20, 5) if abs(ratio - r) < Decimal("0.6")), None)
        return [VatBreakdown(rate, net, vat)] if rate is not None else []
    if vat == 0 and totals.vat_mentioned:
        return [VatBreakdown(rated.pop() if rated else Decimal(0), net, ZERO)]
    return []


def _repair(items: Sequence[RawItem], targets: Sequence[Decimal], warnings: list[str]) -> list[RawItem]:
    """Where OCR misread a line amount, quantity x unit price may be right: use it if that makes the sums agree."""
    if not any(i.alternative is not None for i in items) or not targets:
        return list(items)
    printed = sum((i.amount for i in items), ZERO)
    repaired = sum((i.alternative if i.alternative is not None else i.amount for i in items), ZERO)
    near = lambda total: any(abs(total - t) <= Decimal("0.01") for t in targets)  # noqa: E731
    if near(printed) or not near(repaired):
        return list(items)
    out = []
    for item in items:
        if item.alternative is None:
            out.append(item)
            continue
        warnings.append(
            f"The line \u201c{item.description}\u201d was read as {format_money(item.amount)}, but "
            f"{item.quantity:g} \u00d7 {format_money(item.unit_price)} = {format_money(item.alternative)}, "
            "which agrees with the totals, so that was used."
        )
        out.append(RawItem(item.description, item.alternative, item.rate, item.quantity, item.unit_price, item.line))
    return out


def _lines(
    items: Sequence[RawItem],
    breakdown: Sequence[VatBreakdown],
    net: Decimal | None,
    gross: Decimal | None,
    warnings: list[str],
) -> tuple[list[LineItem], bool]:
    """LineItems with rates filled in; amounts that include VAT (a till receipt) are converted to net."""
    only_rate = breakdown[0].rate if len(breakdown) == 1 else None
    items = _repair(items, [t for t in (net, gross) if t is not None], warnings)
    printed = sum((i.amount for i in items), ZERO)
    inclusive = bool(
        items and net is not None and gross is not None and gross != net
        and abs(printed - gross) <= Decimal("0.01") and abs(printed - net) > Decimal("0.01")
    )  # fmt: skip
    out = []
    for item in items:
        rate = item.rate if item.rate is not None else only_rate
        amount = item.amount
        if inclusive and rate is not None and rate > 0:
            amount = amount - to_money(amount * rate / (100 + rate))
        out.append(LineItem(item.description, amount, rate, item.quantity, item.unit_price))
    return out, inclusive


__all__ = ["PageLines", "extract_fields", "format_money"]
