"""The next VAT deadline for the home page and the portfolio (decision 0042).

The home page reads one obligation (the earliest still open), its return, and,
while it can still change, its boxes summed in SQL and bounded to the period
(decision 0034) to list its blockers: the period page's own calculation, never
the ledger's history. The portfolio reads the staff control tower's projection
(``FilingPeriodOverview``, a platform table kept in step by the filing
services), restricted to the person's businesses: one query for all of them.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta

from django.urls import reverse
from django.utils import timezone

from apps.filing import calculation
from apps.filing.domain import PeriodStatus, ReturnStatus
from apps.filing.figures import period_figures
from apps.filing.models import FilingPeriodOverview, VatObligation, VatReturn, VatSettings
from apps.filing.selectors import period_status, status_of
from apps.filing.staff_overview import risk_annotation
from apps.portal.todos import Business, Cell, Column, Todo, TodoSource

# Statuses in which a person must act now, and how loudly the page says so.
ACTION_LEVELS = {
    PeriodStatus.OVERDUE: "danger",
    PeriodStatus.REJECTED: "danger",
    PeriodStatus.READY: "warning",
    PeriodStatus.AWAITING_APPROVAL: "warning",
}
# Blockers that only say "not yet" (the period has not ended): not a to-do.
NOT_YET = {"period_not_ended"}
RISK = {"rejected": 4, "overdue": 4, "stuck": 3, "due_soon": 1}


def next_obligation() -> VatObligation | None:
    """The current business's open obligation due first (one indexed query)."""
    return VatObligation.objects.filter(status=VatObligation.Status.OPEN).order_by("due", "start").first()


def _period_url(slug: str, period_key: str) -> str:
    return reverse("filing:period", kwargs={"tenant_slug": slug, "period_key": period_key})


def todos(business: Business) -> list[Todo]:
    obligation = next_obligation()
    if obligation is None:
        return [Todo("filing.deadline", "No VAT return is due", reverse("filing:home", args=[business.slug]),
                     detail="Obligations are read from HMRC: sync them on the VAT page.")]  # fmt: skip
    vat_return = VatReturn.objects.filter(obligation=obligation).first()
    status = period_status(obligation, vat_return)
    blockers: list[str] = []
    if status in (PeriodStatus.OPEN, PeriodStatus.READY, PeriodStatus.OVERDUE):
        settings = VatSettings.objects.first()
        figures = period_figures(obligation, vat_return, settings)
        found = calculation.blockers_for(obligation, figures.boxes, settings)
        blockers = [b.message for b in found if b.code not in NOT_YET]
    level = ACTION_LEVELS.get(status, "info")
    if status == PeriodStatus.OPEN and blockers and obligation.due <= timezone.localdate() + timedelta(days=14):
        level = "warning"
    needs_action = status in ACTION_LEVELS or level == "warning"
    label = f"VAT return {obligation.start:%b %Y}–{obligation.end:%b %Y} due {obligation.due:%d %b %Y}"
    detail = PeriodStatus(status).label + (
        f" · {len(blockers)} blocker{'s' * (len(blockers) != 1)}" if blockers else ""
    )
    return [Todo("filing.deadline", label, _period_url(business.slug, obligation.period_key), count=len(blockers),
                 needs_action=needs_action, level=level, detail=detail, blockers=blockers[:5])]  # fmt: skip


def _next_by_business(ids: list[uuid.UUID]) -> dict[uuid.UUID, FilingPeriodOverview]:
    rows = (
        FilingPeriodOverview.objects.filter(tenant_id__in=ids, obligation_status=VatObligation.Status.OPEN)
        .exclude(return_status=ReturnStatus.SUBMITTED)
        .annotate(row_risk=risk_annotation(timezone.localdate()))
        .order_by("tenant_id", "due", "start")
    )
    first: dict[uuid.UUID, FilingPeriodOverview] = {}
    for row in rows:  # open periods only: a handful per business
        first.setdefault(row.tenant_id, row)
    return first


def portfolio(user, businesses: Sequence[Business]) -> dict[uuid.UUID, dict[str, Cell]]:
    today = timezone.localdate()
    by_id = {b.id: b for b in businesses}
    cells = {}
    for business_id, o in _next_by_business(list(by_id)).items():
        status = status_of(return_status=o.return_status, obligation_status=o.obligation_status, due=o.due,
                           end=o.end, today=today)  # fmt: skip
        risk = RISK.get(o.row_risk, 0)
        text = f"{o.due:%d %b %Y} · {PeriodStatus(status).label}"
        cells[business_id] = {"filing.deadline": Cell(text, _period_url(by_id[business_id].slug, o.period_key),
                                                      risk=risk, due=o.due, level=_level(risk))}  # fmt: skip
    return cells


def _level(risk: int) -> str:
    return "danger" if risk >= 3 else "warning" if risk else ""


def due_sort_key(value: date | None) -> date:
    return value or date.max


SOURCE = TodoSource(
    key="filing", order=30, columns=(Column("filing.deadline", "Next VAT deadline", risk_rank=10),),
    todos=todos, portfolio=portfolio,
)  # fmt: skip
