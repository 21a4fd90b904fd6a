"""The staff control tower's status and risk in SQL, and its pages: the same answers as ``status_of``, one page
of rows however many businesses there are (issue #18)."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.filing.domain import PeriodStatus, ReturnStatus
from apps.filing.models import FilingPeriodOverview
from apps.filing.selectors import status_of
from apps.filing.staff_overview import STUCK_SUBMITTING_AFTER, staff_overview_rows
from apps.staff_console.views.filing import PAGE_SIZE
from tests.factories import TenantFactory

pytestmark = pytest.mark.django_db
TODAY = date(2025, 5, 20)


def expected_risk(o: FilingPeriodOverview, status: str, now: datetime) -> str:
    """The risk as the control tower computed it in Python before it moved to SQL."""
    if status == PeriodStatus.REJECTED:
        return "rejected"
    if status == PeriodStatus.SUBMITTING and (
        (o.submitting_since and o.submitting_since < now - STUCK_SUBMITTING_AFTER)
        or (o.return_status == ReturnStatus.APPROVED and o.last_error_code)
    ):
        return "stuck"
    if status == PeriodStatus.OVERDUE:
        return "overdue"
    if status not in (PeriodStatus.SUBMITTED, PeriodStatus.SUBMITTING) and o.due <= TODAY + timedelta(days=7):
        return "due_soon"
    return ""


def _overview(tenant, n: int, **fields) -> FilingPeriodOverview:
    fields.setdefault("start", date(2025, 1, 1))
    fields.setdefault("end", date(2025, 3, 31))
    fields.setdefault("due", date(2025, 5, 7))
    fields.setdefault("obligation_status", "O")
    return FilingPeriodOverview.objects.create(tenant=tenant, vrn="123456789", period_key=f"{n:04d}", **fields)


def test_sql_status_and_risk_match_the_python_rules_for_every_combination():
    tenant = TenantFactory()
    now = timezone.now()
    combos = itertools.product(
        ["", *ReturnStatus.values],
        ["O", "F"],
        [(date(2025, 5, 7), date(2025, 3, 31)), (date(2025, 5, 25), date(2025, 4, 30)),
         (date(2025, 7, 7), date(2025, 5, 31)), (date(2025, 5, 20), date(2025, 5, 31))],
        [None, now - STUCK_SUBMITTING_AFTER - timedelta(minutes=1), now - timedelta(minutes=1)],
        ["", "SERVER_ERROR"],
    )  # fmt: skip
    made = {}
    for n, (ret, obl, (due, end), since, error) in enumerate(combos):
        o = _overview(tenant, n, return_status=ret, obligation_status=obl, due=due, end=end,
                      submitting_since=since, last_error_code=error)  # fmt: skip
        made[o.pk] = o
    rows = list(staff_overview_rows(today=TODAY))
    assert len(rows) == len(made) > 300
    for row in rows:
        o = made[row.pk]
        status = status_of(return_status=o.return_status, obligation_status=o.obligation_status, due=o.due,
                           end=o.end, today=TODAY)  # fmt: skip
        assert row.row_status == status, o
        assert row.row_risk == expected_risk(o, status, now), o


def test_filters_and_sorts_happen_in_sql():
    tenant, other = TenantFactory(name="Aldgate Joinery Ltd"), TenantFactory(name="Bramley Florists Ltd")
    _overview(other, 1, return_status="rejected")
    _overview(tenant, 2, due=date(2025, 5, 26), end=date(2025, 4, 30))
    _overview(tenant, 3, return_status="submitted", due=date(2025, 2, 7))
    by_risk = [(r.tenant.name, r.row_risk) for r in staff_overview_rows(sort="risk", today=TODAY)]
    assert by_risk == [("Bramley Florists Ltd", "rejected"), ("Aldgate Joinery Ltd", "due_soon"),
                       ("Aldgate Joinery Ltd", "")]  # fmt: skip
    assert [r.period_key for r in staff_overview_rows(sort="-due", today=TODAY)] == ["0002", "0001", "0003"]
    assert [r.period_key for r in staff_overview_rows(status="submitted", today=TODAY)] == ["0003"]
    assert [r.period_key for r in staff_overview_rows(risk="rejected", today=TODAY)] == ["0001"]


def test_the_control_tower_shows_one_page_of_rows_and_keeps_the_filters(staff_user, verified_client):
    tenants = [TenantFactory() for _ in range(3)]
    for n in range(PAGE_SIZE + 5):
        _overview(tenants[n % 3], n, due=date(2024, 1, 1) + timedelta(days=n), end=date(2023, 12, 1))
    client = verified_client(staff_user)
    first = client.get(reverse("staff-filing:home"), {"status": "overdue"}).content.decode()
    assert first.count("<tr data-risk=") == PAGE_SIZE
    assert 'href="?status=overdue&amp;sort=due&amp;page=2"' in first
    second = client.get(reverse("staff-filing:home"), {"status": "overdue", "page": 2}).content.decode()
    assert second.count("<tr data-risk=") == 5
    assert client.get(reverse("staff-filing:home"), {"page": "nonsense"}).status_code == 200
