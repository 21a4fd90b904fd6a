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


def _risk(today: date) -> Case:
    """Rejected, stuck in submitting, overdue, or due within 7 days (and not being sent): the row's risk."""
    now = timezone.now()
    stuck = Q(submitting_since__lt=now - STUCK_SUBMITTING_AFTER) | (
        Q(return_status=ReturnStatus.APPROVED) & ~Q(last_error_code="")
    )
    not_sending = ~Q(row_status__in=(PeriodStatus.SUBMITTED, PeriodStatus.SUBMITTING))
    return Case(
        When(row_status=PeriodStatus.REJECTED, then=Value("rejected")),
        When(Q(row_status=PeriodStatus.SUBMITTING) & stuck, then=Value("stuck")),
        When(row_status=PeriodStatus.OVERDUE, then=Value("overdue")),
        When(not_sending & Q(due__lte=today + timedelta(days=7)), then=Value("due_soon")),
        default=Value(""),
        output_field=CharField(),
    )  # fmt: skip


def staff_overview_rows(
    *, status: str = "", risk: str = "", sort: str = "due", today: date | None = None
) -> QuerySet[FilingPeriodOverview]:
    """Periods of every business with ``row_status`` and ``row_risk``, filtered and ordered in SQL."""
    today = today or timezone.localdate()
    rank = Case(*(When(row_risk=k, then=Value(v)) for k, v in RISK_ORDER.items()), output_field=IntegerField())
    rows = (
        FilingPeriodOverview.objects.select_related("tenant")
        .annotate(row_status=_status(today))
        .annotate(row_risk=_risk(today))
        .annotate(risk_rank=rank)
    )
    if status:
        rows = rows.filter(row_status=status)
    if risk:
        rows = rows.filter(row_risk=risk)
    return rows.order_by(*SORTS.get(sort, SORTS["due"]))
