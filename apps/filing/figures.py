"""A period's VAT figures computed in SQL and bounded to the period: what the VAT pages read (decision 0034).

``calculation.compute`` (every candidate line loaded and passed through
``boxes.compute_boxes``) stays the reference, and what a freeze claims; the
queries here give the same boxes from one aggregate, so a page never loads
the ledger's history. The lines a draft return takes are the reference's:

* lines dated in the period (not before the first VAT period), and
* late postings: lines dated in an earlier, frozen period of the same VRN that
  no open period follows, numbered above that period's ``claimed_through``
  (every line numbered up to it is claimed while the period is frozen; see
  ``VatReturn.claimed_through``): a handful of rows found by the journal
  number index instead of the whole history;
* never a line another frozen return has claimed.

When obligations overlap (the watermark argument needs each date in one
period) every late range is scanned whole: slower, never different.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

import apps.core.lookups  # noqa: F401  (registers __in_rows_of)
from apps.filing.boxes import COUNTED_TREATMENTS, SYSTEM_CODES
from apps.filing.calculation import correction_problems
from apps.filing.domain import FROZEN_STATUSES, ZERO, VatBoxes
from apps.filing.models import VatObligation, VatReturn, VatReturnLine, VatSettings
from apps.ledger.models import JournalEntry, JournalLine
from apps.ledger.paging import Cursor

_MONEY = DecimalField(max_digits=16, decimal_places=2)
WARNING = 0  # the pseudo-box of a net line with no VAT treatment (left out of boxes 6 and 7, said on the page)
PAGE_SIZE = 50

# boxes.box_for, as SQL: the first matching rule wins, in the same order.
BOX = Case(
    When(account__vat_control="output", then=Value(1)),
    When(account__vat_control="input", then=Value(4)),
    When(Q(vat_treatment__in=COUNTED_TREATMENTS) & Q(account__type="income"), then=Value(6)),
    When(
        Q(vat_treatment__in=COUNTED_TREATMENTS)
        & Q(account__type__in=("expense", "asset"))
        & ~Q(account__code__in=SYSTEM_CODES),
        then=Value(7),
    ),
    When(Q(vat_treatment="") & Q(account__type__in=("income", "expense")) & Q(account__vat_control=""), then=Value(0)),
    default=None,
    output_field=IntegerField(),
)
SIGNED = Case(
    When(box__in=(1, 6), then=F("credit") - F("debit")), default=F("debit") - F("credit"), output_field=_MONEY
)


@dataclass(frozen=True)
class LateRange:
    """Dates of one frozen earlier period whose unclaimed lines this return carries, above a journal number."""

    first: date
    last: date
    above: int


@dataclass(frozen=True)
class Scope:
    obligation: VatObligation
    in_period: tuple[date, date] | None
    late: tuple[LateRange, ...]


@dataclass
class PeriodFigures:
    """What the control tower, the period page and the drill-down show; no journal line is loaded."""

    obligation: VatObligation
    boxes: VatBoxes
    counts: dict[int, int] = field(default_factory=dict)  # box -> lines behind it
    warnings: list[str] = field(default_factory=list)
    frozen: bool = False
    adjustments: int = 0


def scope_for(obligation: VatObligation, settings: VatSettings | None) -> Scope:
    """Which dates (and, for late postings, which journal numbers) a draft return takes. One query."""
    first = settings.first_period_start if settings else obligation.start
    frozen = VatReturn.objects.filter(obligation=OuterRef("pk"), status__in=FROZEN_STATUSES)
    periods = list(
        VatObligation.objects.annotate(
            frozen=Exists(frozen), through=Subquery(frozen.values("claimed_through")[:1])
        ).order_by("start", "end")
    )
    low = max(obligation.start, first)
    in_period = (low, obligation.end) if low <= obligation.end else None
    earlier = [o for o in periods if o.vrn == obligation.vrn and o.end < obligation.start]
    open_starts = [o.start for o in earlier if not o.frozen]
    overlap, reach = False, None  # whether any two periods (of any VRN) share a day
    for o in periods:
        overlap = overlap or (reach is not None and o.start <= reach)
        reach = o.end if reach is None else max(reach, o.end)
    late: list[LateRange] = []
    covered: date | None = None  # the last day an earlier period (by start) already claims as home
    for o in earlier:
        home_first = o.start if covered is None or covered < o.start else covered + timedelta(days=1)
        covered = o.end if covered is None else max(covered, o.end)
        # calculation.is_late_posting: a frozen home with no open earlier period starting after it.
        if not o.frozen or any(start > o.end for start in open_starts):
            continue
        home_first = max(home_first, first)
        if home_first <= o.end:
            late.append(LateRange(home_first, o.end, 0 if overlap else (o.through or 0)))
    return Scope(obligation, in_period, tuple(late))


def scope_lines(scope: Scope) -> QuerySet[JournalLine]:
    """The journal lines a draft return takes, each annotated with ``box`` (0: a warning) and ``signed``."""
    where = Q(pk__in=[])
    if scope.in_period:
        where |= Q(date__gte=scope.in_period[0], date__lte=scope.in_period[1])
    for r in scope.late:
        where |= Q(date__gte=r.first, date__lte=r.last, number__gt=r.above)
    claimed = VatReturnLine.objects.filter(journal_line=OuterRef("pk"), vat_return__status__in=FROZEN_STATUSES).exclude(
        vat_return__obligation=scope.obligation
    )
    # The entries first, by the (tenant, date) and (tenant, number) indexes, then their lines by entry: with a
    # join or a plain IN the planner reads every line of the business and keeps the period's (apps.core.lookups).
    entries = JournalEntry.objects.filter(where).values("pk")
    return (
        JournalLine.objects.filter(entry_id__in_rows_of=entries)
        .filter(~Exists(claimed))
        .annotate(box=BOX)
        .filter(box__isnull=False)
        .annotate(signed=SIGNED)
    )


def _frozen_figures(obligation: VatObligation, vat_return: VatReturn) -> PeriodFigures:
    rows = (
        VatReturnLine.objects.filter(vat_return=vat_return)
        .values("box")
        .annotate(n=Count("pk"), late=Count("pk", filter=Q(is_adjustment=True)))
        .order_by()
    )
    counts, adjustments = {}, 0
    for row in rows:
        counts[row["box"]] = row["n"]
        adjustments += row["late"]
    return PeriodFigures(obligation, vat_return.boxes, counts, frozen=True, adjustments=adjustments)


def period_figures(
    obligation: VatObligation, vat_return: VatReturn | None, settings: VatSettings | None
) -> PeriodFigures:
    """Frozen figures once approved; otherwise the boxes summed in SQL now (two queries, three with warnings)."""
    if vat_return is not None and vat_return.status in FROZEN_STATUSES:
        return _frozen_figures(obligation, vat_return)
    scope = scope_for(obligation, settings)
    lines = scope_lines(scope)
    rows = (
        lines.values("box")
        .annotate(
            total=Coalesce(Sum("signed"), Value(ZERO), output_field=_MONEY),
            n=Count("pk"),
            late=Count("pk", filter=Q(entry__date__lt=obligation.start)),
        )
        .order_by()
    )
    sums = {1: ZERO, 4: ZERO, 6: ZERO, 7: ZERO}
    counts: dict[int, int] = {}
    adjustments = 0
    for row in rows:
        if row["box"] == WARNING:
            counts[WARNING] = row["n"]
            continue
        sums[row["box"]] = row["total"]
        counts[row["box"]] = row["n"]
        adjustments += row["late"]
    warnings = []
    if counts.pop(WARNING, 0):
        codes = (
            lines.filter(box=WARNING)
            .order_by("entry__date", "entry__number", "position")
            .values_list("account__code", flat=True)
        )
        warnings = [f"A line on account {code} has no VAT treatment: left out of boxes 6 and 7." for code in codes]
    boxes = VatBoxes.from_sums(
        vat_sales=sums[1], vat_acquisitions=ZERO, vat_reclaimed=sums[4], sales_ex_vat=sums[6], purchases_ex_vat=sums[7]
    )
    return PeriodFigures(obligation, boxes, counts, warnings, adjustments=adjustments)


# --- The drill-down: one box, a page at a time, in (date, journal number, position) order ---


@dataclass
class BoxPage:
    rows: list[tuple[JournalLine, Decimal, bool]]  # line, what it counts, a late posting
    next_cursor: str  # "" on the last page


def box_page(
    obligation: VatObligation,
    vat_return: VatReturn | None,
    settings: VatSettings | None,
    box: int,
    *,
    after: Cursor | None = None,
    size: int = PAGE_SIZE,
) -> BoxPage:
    """One page of the lines behind a box (claimed rows once frozen), ``size`` at most. One query."""
    if vat_return is not None and vat_return.status in FROZEN_STATUSES:
        claimed = VatReturnLine.objects.filter(vat_return=vat_return, box=box)
        if after is not None:
            claimed = claimed.filter(after.after("journal_line__"))
        found = list(
            claimed.select_related("journal_line__entry", "journal_line__account").order_by(
                "journal_line__entry__date", "journal_line__entry__number", "journal_line__position"
            )[: size + 1]
        )
        rows = [(c.journal_line, c.amount, c.is_adjustment) for c in found]
    elif box in (1, 4, 6, 7):
        lines = scope_lines(scope_for(obligation, settings)).filter(box=box)
        if after is not None:
            lines = lines.filter(after.after())
        found = list(
            lines.select_related("entry", "account").order_by("entry__date", "entry__number", "position")[: size + 1]
        )
        rows = [(li, li.signed, li.entry.date < obligation.start) for li in found]
    else:
        rows = []
    more = len(rows) > size
    rows = rows[:size]
    last = rows[-1][0] if more else None
    cursor = Cursor.of(last).encode() if last else ""
    return BoxPage(rows, cursor)


# --- HMRC's error-correction limits, from an aggregate ---


def correction_facts(
    obligation: VatObligation, vat_return: VatReturn | None, settings: VatSettings | None
) -> tuple[Decimal, date | None]:
    """(net VAT error, oldest date corrected) of the corrections a return carries (calculation.correction_lines).

    Late postings in boxes 1 and 4, and reversals dated in the period of entries dated before it.
    """
    start = obligation.start
    if vat_return is not None and vat_return.status in FROZEN_STATUSES:
        rows = VatReturnLine.objects.filter(vat_return=vat_return, box__in=(1, 4))
        late, reversed_before = Q(is_adjustment=True), Q(journal_line__entry__reverses__date__lt=start)
        prefix, amount = "journal_line__", F("amount")
    else:
        rows = scope_lines(scope_for(obligation, settings)).filter(box__in=(1, 4))
        late, reversed_before = Q(entry__date__lt=start), Q(entry__reverses__date__lt=start)
        prefix, amount = "", F("signed")
    day = Case(When(late, then=F(f"{prefix}entry__date")), default=F(f"{prefix}entry__reverses__date"))
    error = Case(When(box=1, then=amount), default=-amount, output_field=_MONEY)
    found = rows.filter(late | reversed_before).aggregate(net=Sum(error), oldest=Min(day))
    return found["net"] or ZERO, found["oldest"]


def correction_warnings(
    obligation: VatObligation,
    vat_return: VatReturn | None,
    settings: VatSettings | None,
    box6: Decimal,
    *,
    today: date | None = None,
) -> list[str]:
    """calculation.correction_warnings from the aggregate: HMRC's limits for what this return corrects."""
    net_error, oldest = correction_facts(obligation, vat_return, settings)
    if oldest is None:
        return []
    home = VatObligation.objects.filter(vrn=obligation.vrn, start__lte=oldest, end__gte=oldest).first()
    return correction_problems(net_error, box6, home.end if home else oldest, today or timezone.localdate())
