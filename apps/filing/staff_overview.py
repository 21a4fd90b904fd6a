"""The staff control tower's rows with their status and risk computed by SQL, so the page can filter, sort and
take one page of rows in the database (issue #18: it rendered every period of every business, growing with both).

``status`` is ``selectors.status_of`` and ``risk`` the control tower's risk, written as SQL ``CASE``
expressions over the platform projection ``FilingPeriodOverview``; tests/filing/test_staff_overview.py
checks them against ``status_of`` for every combination, so the two cannot drift apart.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Case, CharField, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from apps.filing.domain import PeriodStatus, ReturnStatus
from apps.filing.models import FilingPeriodOverview, VatObligation

RISK_ORDER = {"rejected": 0, "stuck": 1, "overdue": 2, "due_soon": 3, "": 9}
# A return still "submitting" this long after its attempt started has outlived the lease and the sweep's
# next look (a few minutes): something is wrong with the workers, the sweep, or this return.
STUCK_SUBMITTING_AFTER = timedelta(minutes=10)
SORTS = {
    "due": ("due", "tenant__name", "id"),
    "-due": ("-due", "tenant__name", "id"),
    "risk": ("risk_rank", "due", "tenant__name", "id"),
}


def _status(today: date) -> Case:
    """``selectors.status_of`` in SQL (the same order of tests)."""
    return Case(
        When(Q(return_status=ReturnStatus.SUBMITTED) | Q(obligation_status=VatObligation.Status.FULFILLED),
             then=Value(PeriodStatus.SUBMITTED)),
        When(return_status=ReturnStatus.REJECTED, then=Value(PeriodStatus.REJECTED)),
        When(return_status__in=(ReturnStatus.APPROVED, ReturnStatus.SUBMITTING), then=Value(PeriodStatus.SUBMITTING)),
        When(due__lt=today, then=Value(PeriodStatus.OVERDUE)),
        When(return_status=ReturnStatus.AWAITING_APPROVAL, then=Value(PeriodStatus.AWAITING_APPROVAL)),
        When(end__lt=today, then=Value(PeriodStatus.READY)),
        default=Value(PeriodStatus.OPEN),
        output_field=CharField(),
    )  # fmt: skip


def _risk(today: date, values: dict[str, object], output_field) -> Case:
    """The row's risk (rejected, stuck in submitting, overdue, due within 7 days), as ``values[risk]``.

    Written on the row's own fields, in the order ``_status`` tests them, rather than on the status annotation:
    Django copies a referenced annotation into every condition that names it, and the nested copies cost more
    to build than the query takes to run.
    """
    submitted = Q(return_status=ReturnStatus.SUBMITTED) | Q(obligation_status=VatObligation.Status.FULFILLED)
    sending = Q(return_status__in=(ReturnStatus.APPROVED, ReturnStatus.SUBMITTING))
    stuck = Q(submitting_since__lt=timezone.now() - STUCK_SUBMITTING_AFTER) | (
        Q(return_status=ReturnStatus.APPROVED) & ~Q(last_error_code="")
    )
    return Case(
        When(submitted, then=Value(values[""])),
        When(return_status=ReturnStatus.REJECTED, then=Value(values["rejected"])),
        When(sending & stuck, then=Value(values["stuck"])),
        When(sending, then=Value(values[""])),
        When(due__lt=today, then=Value(values["overdue"])),
        When(due__lte=today + timedelta(days=7), then=Value(values["due_soon"])),
        default=Value(values[""]),
        output_field=output_field,
    )


def risk_annotation(today: date) -> Case:
    """The row's risk as its name ("rejected", "stuck", "overdue", "due_soon" or ""): the portfolio reads it too."""
    return _risk(today, {k: k for k in RISK_ORDER}, CharField())


def staff_overview_rows(
    *, status: str = "", risk: str = "", sort: str = "due", today: date | None = None
) -> QuerySet[FilingPeriodOverview]:
    """Periods of every business with ``row_status`` and ``row_risk``, filtered and ordered in SQL."""
    today = today or timezone.localdate()
    rows = FilingPeriodOverview.objects.select_related("tenant").annotate(
        row_status=_status(today), row_risk=risk_annotation(today)
    )
    if sort == "risk":
        rows = rows.annotate(risk_rank=_risk(today, RISK_ORDER, IntegerField()))
    if status:
        rows = rows.filter(row_status=status)
    if risk:
        rows = rows.filter(row_risk=risk)
    return rows.order_by(*SORTS.get(sort, SORTS["due"]))
