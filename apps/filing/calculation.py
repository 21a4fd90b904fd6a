"""The return for a period, computed from the ledger (a read: nothing is stored here).

Which journal lines a period's return takes:

* lines dated inside the period, and
* late postings: lines dated in an earlier period whose return is already
  frozen (approved or filed) — they are carried into the earliest open return
  after that period as adjustments, because a filed figure never changes
  (periods may be frozen out of order: each line follows its own period);
* never a line another frozen return has claimed, nor one dated before the
  business's first VAT period. A period that starts before that first period
  is therefore blocked (``before_first_period``): its return would leave out
  posted lines, so it is never approved or sent.

Lines dated in an earlier period whose return is still a draft stay with
that period.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Exists, OuterRef
from django.utils import timezone

from apps.documents.selectors import undated_document_count, unresolved_document_count
from apps.filing.boxes import BoxComputation, LedgerLine, compute_boxes
from apps.filing.domain import FROZEN_STATUSES, Scheme, VatBoxes, before_first_period
from apps.filing.models import VatObligation, VatReturn, VatReturnLine, VatSettings
from apps.integrations.hmrc.selectors import connection_for
from apps.ledger import selectors as ledger_selectors
from apps.ledger.models import JournalEntry, JournalLine


@dataclass(frozen=True)
class Blocker:
    code: str
    message: str
    count: int = 0
    link: str = ""  # a URL name in the portal, resolved by the template
    query: str = ""  # appended to the link: the list filtered to exactly what blocks


@dataclass
class ReturnFigures:
    obligation: VatObligation
    boxes: VatBoxes
    # box number -> journal lines behind it with their contributions, for the drill-down
    lines_by_box: dict[int, list[tuple[JournalLine, object, bool]]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    frozen: bool = False
    adjustments: int = 0


def _as_ledger_line(line: JournalLine) -> LedgerLine:
    return LedgerLine(
        id=line.pk,
        date=line.entry.date,
        account_code=line.account.code,
        account_type=line.account.type,
        vat_control=line.account.vat_control,
        vat_treatment=line.vat_treatment,
        debit=line.debit,
        credit=line.credit,
    )


def _earlier_periods(obligation: VatObligation) -> list[tuple[VatObligation, bool]]:
    """The same VRN's periods that end before this one starts, oldest first, each with "is it frozen"."""
    frozen = VatReturn.objects.filter(obligation=OuterRef("pk"), status__in=FROZEN_STATUSES)
    earlier = (
        VatObligation.objects.filter(vrn=obligation.vrn, end__lt=obligation.start)
        .annotate(frozen=Exists(frozen))
        .order_by("start")
    )
    return [(o, o.frozen) for o in earlier]


def is_late_posting(when: date, earlier: list[tuple[VatObligation, bool]]) -> bool:
    """Whether a line dated ``when`` (before this period) is a late posting that this return takes.

    It is when the period it is dated in is frozen and this is the earliest
    open period after that one; lines of an open earlier period stay there,
    so no two drafts ever show the same line.
    """
    home = next(((o, f) for o, f in earlier if o.start <= when <= o.end), None)
    if home is None or not home[1]:
        return False
    return not any(o.start > home[0].end and not f for o, f in earlier)


def candidate_lines(obligation: VatObligation, settings: VatSettings | None) -> list[JournalLine]:
    first = settings.first_period_start if settings else obligation.start
    claimed = VatReturnLine.objects.filter(vat_return__status__in=FROZEN_STATUSES).exclude(
        vat_return__obligation=obligation
    )
    lines = ledger_selectors.vat_relevant_lines(
        up_to=obligation.end, since=first, exclude=claimed.values("journal_line_id")
    )
    earlier = _earlier_periods(obligation)
    return [line for line in lines if line.entry.date >= obligation.start or is_late_posting(line.entry.date, earlier)]


def compute(obligation: VatObligation, settings: VatSettings | None) -> tuple[BoxComputation, dict]:
    lines = candidate_lines(obligation, settings)
    by_id = {line.pk: line for line in lines}
    return compute_boxes((_as_ledger_line(li) for li in lines), period_start=obligation.start), by_id


def figures_for(obligation: VatObligation, vat_return: VatReturn | None, settings: VatSettings | None) -> ReturnFigures:
    """Frozen figures (and their claimed lines) once approved; otherwise computed now from the ledger."""
    if vat_return is not None and vat_return.status in FROZEN_STATUSES:
        claimed = list(
            vat_return.lines.select_related("journal_line__entry", "journal_line__account").order_by(
                "box", "journal_line__entry__date", "journal_line__entry__number"
            )
        )
        by_box: dict[int, list] = {}
        for row in claimed:
            by_box.setdefault(row.box, []).append((row.journal_line, row.amount, row.is_adjustment))
        return ReturnFigures(
            obligation,
            vat_return.boxes,
            by_box,
            frozen=True,
            adjustments=sum(1 for row in claimed if row.is_adjustment),
        )
    computation, by_id = compute(obligation, settings)
    by_box = {}
    for c in computation.contributions:
        by_box.setdefault(c.box, []).append((by_id[c.line_id], c.amount, c.is_adjustment))
    return ReturnFigures(
        obligation,
        computation.boxes,
        by_box,
        warnings=[message for _, message in computation.warnings],
        adjustments=sum(1 for c in computation.contributions if c.is_adjustment),
    )


def blockers_for(obligation: VatObligation, boxes: VatBoxes, settings: VatSettings | None) -> list[Blocker]:
    """What must be fixed before the return can be approved."""
    found: list[Blocker] = []
    if settings is None:
        found.append(Blocker("no_settings", "Choose the business's VAT scheme and stagger first.", link="settings"))
    elif settings.scheme == Scheme.CASH:
        found.append(
            Blocker(
                "cash_scheme",
                "Cash accounting returns need payment dates for every invoice, which Strongroom does not record "
                "yet: file this return with your accountant's software.",
            )
        )
    if reason := first_period_blocker(obligation, settings):
        found.append(Blocker("before_first_period", reason, link="settings"))
    if timezone.localdate() <= obligation.end:
        found.append(
            Blocker(
                "period_not_ended",
                f"The period ends on {obligation.end:%d %B %Y}: HMRC accepts the return from the day after.",
            )
        )
    found.extend(document_blockers(obligation))
    unposted = ledger_selectors.unposted_bank_line_count(start=obligation.start, end=obligation.end)
    if unposted:
        found.append(
            Blocker(
                "bank_lines_unposted",
                f"{unposted} bank line(s) in this period are not posted to the ledger yet.",
                count=unposted,
                link="bank",
            )
        )
    difference = ledger_selectors.unbalanced_as_of(obligation.end)
    if difference:
        found.append(
            Blocker("trial_balance", f"The trial balance does not balance (out by {difference}): fix the ledger first.")
        )
    for problem in boxes.problems():
        found.append(Blocker("figures", problem))
    if not hmrc_connected(obligation):
        found.append(
            Blocker("hmrc_not_connected", "Connect Strongroom to HMRC (or renew the connection) to file.", link="hmrc")
        )
    if obligation.status == VatObligation.Status.FULFILLED:
        found.append(Blocker("fulfilled", "HMRC already has a return for this period."))
    return found


def first_period_blocker(obligation: VatObligation, settings: VatSettings | None) -> str:
    """Why this period's return would leave out posted lines (it starts before the first period), or ""."""
    if settings is None:
        return ""
    return before_first_period(obligation.start, obligation.end, settings.first_period_start)


def document_blockers(obligation: VatObligation) -> list[Blocker]:
    """Documents dated in the period that still need a person; the link lists exactly those.

    Rejected and archived documents were set aside on purpose and block
    nothing; an undated document blocks no period (see ``document_todos``).
    """
    documents = unresolved_document_count(start=obligation.start, end=obligation.end)
    if not documents:
        return []
    return [
        Blocker(
            "documents_unresolved",
            f"{documents} document(s) dated in this period still need review, failed to process, "
            "or were reversed and not posted again: review, reject or archive them.",
            count=documents,
            link="documents",
            query=f"blocking={obligation.start.isoformat()}..{obligation.end.isoformat()}",
        )
    ]


def document_todos() -> list[Blocker]:
    """Not blockers: documents nobody has dated yet, so that they are not forgotten."""
    undated = undated_document_count()
    if not undated:
        return []
    return [
        Blocker(
            "documents_undated",
            f"{undated} document(s) have no date: add the document's date so it counts in the right return.",
            count=undated,
            link="documents",
            query="undated=1",
        )
    ]


# HMRC lets errors of filed periods be corrected on the next return only while their net
# value is at most £10,000, or 1% of that return's box 6 up to £50,000, and the period
# they belong to ended less than four years ago. Otherwise they are disclosed separately.
CORRECTION_FLOOR = Decimal("10000")
CORRECTION_CAP = Decimal("50000")
CORRECTION_YEARS = 4


def correction_limit(box6: Decimal) -> Decimal:
    """The largest net error a return may correct: the greater of £10,000 and 1% of box 6, at most £50,000."""
    return max(CORRECTION_FLOOR, min(Decimal(box6) / 100, CORRECTION_CAP))


def years_before(day: date, years: int) -> date:
    """The same day ``years`` earlier (29 February falls back to the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def correction_problems(net_error: Decimal, box6: Decimal, oldest_end: date | None, today: date) -> list[str]:
    """Why the corrections carried by a return need a separate disclosure to HMRC, in words ([] if none)."""
    problems = []
    limit = correction_limit(box6)
    if abs(net_error) > limit:
        problems.append(
            f"This return carries corrections of earlier, filed periods worth £{abs(net_error):,.2f} of VAT net, "
            f"above the £{limit:,.2f} HMRC allows on a return (£10,000, or 1% of box 6 up to £50,000): "
            "a separate disclosure to HMRC is required."
        )
    if oldest_end is not None and oldest_end <= years_before(today, CORRECTION_YEARS):
        problems.append(
            f"A correction belongs to a period that ended on {oldest_end:%d %B %Y}, four years ago or more: "
            "it cannot go on a return; a separate disclosure to HMRC is required."
        )
    return problems


def correction_lines(obligation: VatObligation, figures: ReturnFigures) -> list[tuple[JournalLine, object, date]]:
    """The lines of a return that correct earlier periods, with their box amount and the date they belong to.

    Late postings carried in from a frozen period, and reversals (dated in
    this period) of entries dated before it.
    """
    rows = [(box, line, amount, adj) for box, items in figures.lines_by_box.items() for line, amount, adj in items]
    reversed_ids = {line.entry.reverses_id for _, line, _, adj in rows if not adj and line.entry.reverses_id}
    dates = dict(JournalEntry.objects.filter(pk__in=reversed_ids).values_list("pk", "date")) if reversed_ids else {}
    found = []
    for box, line, amount, adjustment in rows:
        if box not in (1, 4):
            continue
        if adjustment:
            found.append((line, amount if box == 1 else -amount, line.entry.date))
        elif dates.get(line.entry.reverses_id, obligation.start) < obligation.start:
            found.append((line, amount if box == 1 else -amount, dates[line.entry.reverses_id]))
    return found


def correction_warnings(obligation: VatObligation, figures: ReturnFigures, *, today: date | None = None) -> list[str]:
    """The error-correction limits checked for the corrections this return carries."""
    found = correction_lines(obligation, figures)
    if not found:
        return []
    net_error = sum((amount for _, amount, _ in found), Decimal(0))
    oldest = min(day for _, _, day in found)
    home = VatObligation.objects.filter(vrn=obligation.vrn, start__lte=oldest, end__gte=oldest).first()
    return correction_problems(
        net_error, figures.boxes.box6, home.end if home else oldest, today or timezone.localdate()
    )


def carrying_obligation(day: date) -> VatObligation | None:
    """The return a posting dated ``day`` counts in: its own period's, or if frozen the earliest open one after."""
    frozen = VatReturn.objects.filter(obligation=OuterRef("pk"), status__in=FROZEN_STATUSES)
    periods = VatObligation.objects.annotate(frozen=Exists(frozen)).order_by("start")
    home = periods.filter(start__lte=day, end__gte=day).first()
    if home is None or not home.frozen:
        return home
    return periods.filter(vrn=home.vrn, start__gt=home.end, frozen=False).first()


def correction_warnings_on(day: date) -> list[str]:
    """The error-correction limits for the return that takes a posting dated ``day`` ([] when none yet)."""
    obligation = carrying_obligation(day)
    if obligation is None:
        return []
    vat_return = VatReturn.objects.filter(obligation=obligation).first()
    figures = figures_for(obligation, vat_return, VatSettings.objects.first())
    return correction_warnings(obligation, figures)


def hmrc_connected(obligation: VatObligation) -> bool:
    connection = connection_for(obligation.tenant)
    return connection is not None and connection.status == "connected"
