"""VAT detail: every journal line behind each box of a period's return, and the box totals they add up to.

The lines are the filing app's own (``apps.filing.figures``): the claimed rows of a frozen return, or the
lines a draft return takes now. Nothing is re-derived here, so the detail agrees with the return by
construction; the tests check it all the same. Totals are summed in SQL (one query); the rows are read
in (date, journal number, position) order and streamed by the exports, never listed whole.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Sum, Value
from django.db.models.functions import Coalesce

from apps.filing.domain import FROZEN_STATUSES, ZERO, VatBoxes, whole_pounds
from apps.filing.figures import scope_for, scope_lines
from apps.filing.models import VatObligation, VatReturn, VatReturnLine, VatSettings
from apps.ledger.paging import Cursor
from apps.ledger.selectors import last_journal_number
from apps.tenancy.context import tenant_context

DETAIL_BOXES = (1, 4, 6, 7)  # the boxes journal lines count in; 2, 8 and 9 are zero (no NI treatments), 3 and 5 sums
BOX_NAMES = {
    1: "VAT due on sales",
    4: "VAT reclaimed on purchases",
    6: "Total sales excluding VAT",
    7: "Total purchases excluding VAT",
}
_MONEY = DecimalField(max_digits=16, decimal_places=2)


@dataclass(frozen=True)
class BoxTotal:
    box: int
    lines: int
    exact: Decimal  # the lines' sum, pence included

    @property
    def name(self) -> str:
        return BOX_NAMES[self.box]

    @property
    def as_filed(self) -> Decimal:
        """What the box holds on the return: boxes 6 and 7 leave out the pence."""
        return whole_pounds(self.exact) if self.box in (6, 7) else self.exact


@dataclass(frozen=True)
class DetailRow:
    box: int
    date: date
    number: int
    account_code: str
    account_name: str
    description: str
    vat_treatment: str
    amount: Decimal
    late: bool  # dated before the period: a late posting carried in


@dataclass
class VatDetail:
    obligation: VatObligation
    vat_return: VatReturn | None
    totals: list[BoxTotal]

    @property
    def frozen(self) -> bool:
        return self.vat_return is not None and self.vat_return.status in FROZEN_STATUSES

    def boxes(self) -> VatBoxes:
        """The return these lines make (boxes 3 and 5 derived as the return derives them)."""
        exact = {t.box: t.exact for t in self.totals}
        return VatBoxes.from_sums(
            vat_sales=exact.get(1, ZERO), vat_acquisitions=ZERO, vat_reclaimed=exact.get(4, ZERO),
            sales_ex_vat=exact.get(6, ZERO), purchases_ex_vat=exact.get(7, ZERO),
        )  # fmt: skip


def _source(obligation: VatObligation, vat_return: VatReturn | None, settings: VatSettings | None):
    """(queryset, prefix to the journal line, amount expression): the claimed rows once frozen, else the scope."""
    if vat_return is not None and vat_return.status in FROZEN_STATUSES:
        return VatReturnLine.objects.filter(vat_return=vat_return), "journal_line__", F("amount")
    lines = scope_lines(scope_for(obligation, settings)).filter(box__in=DETAIL_BOXES)
    return lines, "", F("signed")


def vat_detail(obligation: VatObligation, vat_return: VatReturn | None, settings: VatSettings | None) -> VatDetail:
    """Each box's line count and exact total, summed in SQL (two queries for a draft: its scope, then the sum)."""
    rows, _, amount = _source(obligation, vat_return, settings)
    found = {
        r["box"]: r
        for r in rows.values("box")
        .annotate(n=Count("pk"), total=Coalesce(Sum(amount), Value(ZERO), output_field=_MONEY))
        .order_by()
    }
    totals = [
        BoxTotal(box, found[box]["n"] if box in found else 0, found[box]["total"] if box in found else ZERO)
        for box in DETAIL_BOXES
    ]
    return VatDetail(obligation, vat_return, totals)


def detail_rows(
    obligation: VatObligation,
    vat_return: VatReturn | None,
    settings: VatSettings | None,
    *,
    tenant_id: uuid.UUID | None = None,
    chunk: int = 2000,
) -> Iterator[DetailRow]:
    """Every line behind boxes 1, 4, 6 and 7, box by box in ledger order, a keyset chunk per short transaction.

    Lines numbered above the last journal number at the start are left out, so a stream that outlives a
    posting is still one consistent return. Safe inside a transaction too (the chunks are then savepoints).
    """
    tenant_id = tenant_id or obligation.tenant_id
    with tenant_context(tenant_id):
        through = last_journal_number()
    for box in DETAIL_BOXES:
        after: Cursor | None = None
        while True:
            with tenant_context(tenant_id):
                rows, prefix, amount = _source(obligation, vat_return, settings)
                related = (f"{prefix}entry", f"{prefix}account")
                found = (
                    rows.filter(box=box, **{f"{prefix}entry__number__lte": through})
                    .annotate(counted=amount)
                    .select_related(*related)
                    .defer(f"{prefix}entry__explanation")
                    .order_by(f"{prefix}entry__date", f"{prefix}entry__number", f"{prefix}position")
                )
                if after is not None:
                    found = found.filter(after.after(prefix))
                batch = list(found[:chunk])
                lines = [(row, row.journal_line if prefix else row) for row in batch]
                out = [_detail_row(obligation, box, row.counted, line) for row, line in lines]
            yield from out
            if len(batch) < chunk:
                break
            after = Cursor.of(lines[-1][1])


def _detail_row(obligation: VatObligation, box: int, counted: Decimal, line) -> DetailRow:
    entry = line.entry
    description = entry.description
    if line.description and line.description not in description:
        description = f"{description} · {line.description}" if description else line.description
    return DetailRow(
        box, entry.date, entry.number, line.account.code, line.account.name, description,
        line.vat_treatment, counted, entry.date < obligation.start,
    )  # fmt: skip
