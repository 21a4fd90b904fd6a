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

from django.db.models import Exists, OuterRef
from django.utils import timezone

from apps.filing.boxes import BoxComputation, LedgerLine, compute_boxes
from apps.filing.domain import FROZEN_STATUSES, Scheme, VatBoxes, before_first_period
from apps.filing.models import VatObligation, VatReturn, VatReturnLine, VatSettings
from apps.ledger import selectors as ledger_selectors
from apps.ledger.models import JournalLine


@dataclass(frozen=True)
class Blocker:
    code: str
    message: str
    count: int = 0
    link: str = ""  # a URL name in the portal, resolved by the template


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
    from apps.documents.selectors import unresolved_documents

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
    documents = unresolved_documents(start=obligation.start, end=obligation.end)
    if documents:
        found.append(
            Blocker(
                "documents_unresolved",
                f"{len(documents)} document(s) in this period still need review or failed to process.",
                count=len(documents),
                link="documents",
            )
        )
    unposted = ledger_selectors.unposted_bank_lines(start=obligation.start, end=obligation.end)
    if unposted:
        found.append(
            Blocker(
                "bank_lines_unposted",
                f"{len(unposted)} bank line(s) in this period are not posted to the ledger yet.",
                count=len(unposted),
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


def hmrc_connected(obligation: VatObligation) -> bool:
    from apps.integrations.hmrc.selectors import connection_for

    connection = connection_for(obligation.tenant)
    return connection is not None and connection.status == "connected"
