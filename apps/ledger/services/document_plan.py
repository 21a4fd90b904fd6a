"""The posting conventions: which lines a document becomes. Pure (no database), so it is easy to test.

Purchase invoice or receipt: Dr the classified expense account with the net
(one line per VAT rate in the breakdown, else one line), Dr 820 VAT input with
the VAT, Cr 800 payables with the gross.
Supplier credit note: the mirror (Dr 800 gross, Cr expense net, Cr 820 VAT).
Sales invoice: Dr 610 receivables gross, Cr 200 Sales (or the classified
income account) net in one line, Cr 821 VAT output.
Zero-value lines are left out; a negative amount (a discount row) goes to the
other side. Credit notes printed with negative figures are read as amounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from apps.ledger import chart
from apps.ledger.domain import (
    DOC_CREDIT_NOTE,
    DOC_PURCHASE_INVOICE,
    DOC_RECEIPT,
    DOC_SALES_INVOICE,
    EXEMPT_RATE,
    ZERO,
    EntryKind,
    VatTreatment,
    as_money,
    format_money,
    format_rate,
    treatment_for_rate,
)
from apps.ledger.errors import PostingError
from apps.ledger.models import SYSTEM_ACCOUNT_CODES
from apps.ledger.services.journal import LineSpec
from apps.ledger.vat import rate_from_amounts

if TYPE_CHECKING:
    from apps.ledger.extraction import Extraction
    from apps.ledger.rules_engine import Classification

ENTRY_KIND_FOR_DOCUMENT = {
    DOC_PURCHASE_INVOICE: EntryKind.PURCHASE,
    DOC_RECEIPT: EntryKind.PURCHASE,
    DOC_CREDIT_NOTE: EntryKind.CREDIT_NOTE,
    DOC_SALES_INVOICE: EntryKind.SALES,
}
DOCUMENT_WORDS = {
    DOC_PURCHASE_INVOICE: "Purchase invoice",
    DOC_RECEIPT: "Receipt",
    DOC_CREDIT_NOTE: "Credit note",
    DOC_SALES_INVOICE: "Sales invoice",
}


@dataclass(frozen=True)
class DocumentPlan:
    kind: str  # an EntryKind value
    entry_date: date
    description: str
    lines: list[LineSpec]


@dataclass(frozen=True)
class _NetPart:
    amount: Decimal
    rate: Decimal | None  # percent; None when exempt or unknown
    treatment: str


def _money(value: Decimal | None, what: str) -> Decimal:
    try:
        return as_money(value, what=what)
    except ValueError as exc:
        raise PostingError(str(exc)) from None


def _line(account_code: str, amount: Decimal, *, debit: bool, description: str, part=None) -> LineSpec | None:
    if amount == ZERO:
        return None
    if amount < 0:
        amount, debit = -amount, not debit
    rate = part.rate if part else None
    treatment = part.treatment if part else ""
    if debit:
        return LineSpec(account_code, debit=amount, description=description, vat_rate=rate, vat_treatment=treatment)
    return LineSpec(account_code, credit=amount, description=description, vat_rate=rate, vat_treatment=treatment)


NO_RATE_TREATMENTS = frozenset({VatTreatment.EXEMPT, VatTreatment.OUTSIDE_SCOPE})


def _part(amount: Decimal, rate: Decimal | None, override: str) -> _NetPart:
    treatment = override or treatment_for_rate(rate)
    if rate == EXEMPT_RATE or treatment in NO_RATE_TREATMENTS:
        rate = None
    return _NetPart(amount, rate, treatment)


def _net_parts(
    extraction: Extraction, net: Decimal, vat: Decimal, treatment: str, sign: int, *, split: bool
) -> list[_NetPart]:
    """The net, split by VAT rate when ``split`` (purchases) and the breakdown has rates; else one part."""
    rows = [r for r in extraction.vat_breakdown if r.net or r.vat]
    # The classification's treatment is for the whole document: with several rates each line keeps its own.
    several_rates = len({r.rate for r in rows}) > 1
    override = treatment if treatment and treatment != VatTreatment.MIXED and not several_rates else ""
    if rows:
        row_net = sum((_money(r.net, "net in the VAT breakdown") for r in rows), ZERO) * sign
        row_vat = sum((_money(r.vat, "VAT in the VAT breakdown") for r in rows), ZERO) * sign
        if row_net != net or row_vat != vat:
            raise PostingError(
                f"The VAT breakdown adds up to net {format_money(row_net)} and VAT {format_money(row_vat)}, "
                f"but the document says net {format_money(net)} and VAT {format_money(vat)}."
            )
        if split:
            return [_part(_money(r.net, "net in the VAT breakdown") * sign, r.rate, override) for r in rows]
        if several_rates:
            return [_NetPart(net, None, VatTreatment.MIXED)]
        return [_part(net, rows[0].rate, override)]
    rate = rate_from_amounts(net, vat, tolerance=Decimal("0.01") * max(1, len(extraction.lines)))
    return [_part(net, rate, override)]


def _net_description(part: _NetPart) -> str:
    if part.treatment == VatTreatment.EXEMPT:
        return "Net (exempt)"
    if part.treatment == VatTreatment.OUTSIDE_SCOPE:
        return "Net (outside the scope of VAT)"
    return f"Net at {format_rate(part.rate)}" if part.rate is not None else "Net"


def plan_document_entry(extraction: Extraction, classification: Classification) -> DocumentPlan:
    """The entry a document becomes, by the conventions above; PostingError when it cannot be posted."""
    kind = str(extraction.kind.value) if extraction.kind.value is not None else ""
    if kind not in ENTRY_KIND_FOR_DOCUMENT:
        raise PostingError(
            f"Only purchase invoices, receipts, credit notes and sales invoices can be posted; "
            f"this document's type is {kind or 'not known'}."
        )
    entry_date = extraction.issue_date.value
    if entry_date is None:
        raise PostingError("The document has no date: add it before posting.")
    if extraction.net.value is None or extraction.gross.value is None:
        raise PostingError("The document's net amount and total are both needed to post it.")
    net = _money(extraction.net.value, "net amount")
    vat = _money(extraction.vat.value if extraction.vat.value is not None else ZERO, "VAT amount")
    gross = _money(extraction.gross.value, "total")
    if net + vat != gross:
        raise PostingError(
            f"The net {format_money(net)} plus VAT {format_money(vat)} is {format_money(net + vat)}, "
            f"not the total {format_money(gross)}: correct the figures first."
        )
    sign = -1 if kind == DOC_CREDIT_NOTE and gross < 0 else 1
    net, vat, gross = net * sign, vat * sign, gross * sign

    account = classification.account_code or (chart.SALES if kind == DOC_SALES_INVOICE else None)
    if not account:
        raise PostingError("No account has been chosen for this document yet: it needs review.")
    if account in SYSTEM_ACCOUNT_CODES:
        raise PostingError(f"Account {account} is a control account: choose an income or expense account.")
    # Purchases keep one net line per VAT rate; a sales invoice credits its net in one line.
    parts = _net_parts(extraction, net, vat, classification.vat_treatment, sign, split=kind != DOC_SALES_INVOICE)

    party = (extraction.supplier_name.value or "").strip()
    if kind == DOC_SALES_INVOICE:
        party = (extraction.customer_name.value or "").strip()
    number = (extraction.document_number.value or "").strip()
    words = DOCUMENT_WORDS[kind]
    description = " ".join(part for part in (words, number) if part)
    if party:
        description += f" {'to' if kind == DOC_SALES_INVOICE else 'from'} {party}"

    if kind == DOC_SALES_INVOICE:
        candidates = [
            _line(chart.ACCOUNTS_RECEIVABLE, gross, debit=True, description=party or "Customer"),
            *(_line(account, p.amount, debit=False, description=_net_description(p), part=p) for p in parts),
            _line(chart.VAT_OUTPUT, vat, debit=False, description="VAT"),
        ]
    elif kind == DOC_CREDIT_NOTE:
        candidates = [
            _line(chart.ACCOUNTS_PAYABLE, gross, debit=True, description=party or "Supplier"),
            *(_line(account, p.amount, debit=False, description=_net_description(p), part=p) for p in parts),
            _line(chart.VAT_INPUT, vat, debit=False, description="VAT"),
        ]
    else:
        candidates = [
            *(_line(account, p.amount, debit=True, description=_net_description(p), part=p) for p in parts),
            _line(chart.VAT_INPUT, vat, debit=True, description="VAT"),
            _line(chart.ACCOUNTS_PAYABLE, gross, debit=False, description=party or "Supplier"),
        ]
    lines = [line for line in candidates if line is not None]
    return DocumentPlan(ENTRY_KIND_FOR_DOCUMENT[kind], entry_date, description, lines)
