"""/staff/filing/: the staff Filing Control Tower: every tenant's periods by due date and risk.

The list reads the platform projection (no tenant's books); opening one
tenant's periods goes through the audited, time-boxed staff access path.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from apps.filing import selectors
from apps.filing.domain import PeriodStatus
from apps.permissions.access import staff_tenant_context
from apps.tenancy.models import Tenant

RISKS = [
    ("rejected", "Rejected"),
    ("stuck", "Stuck in submitting"),
    ("overdue", "Overdue"),
    ("due_soon", "Due within 7 days"),
]
SORTS = [("due", "Due date (soonest first)"), ("-due", "Due date (latest first)"), ("risk", "Risk")]
# Rows per page: the page costs the same with 20 businesses or 20,000 (issue #18: it rendered every period).
PAGE_SIZE = 50


@require_GET
def control_tower(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    risk = request.GET.get("risk", "")
    sort = request.GET.get("sort", "due")
    if status not in PeriodStatus.values:
        status = ""
    if risk not in dict(RISKS):
        risk = ""
    if sort not in dict(SORTS):
        sort = "due"
    rows = selectors.staff_overview_rows(status=status, risk=risk, sort=sort)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in (("status", status), ("risk", risk), ("sort", sort)) if v})
    context = {
        "rows": [selectors.staff_row(o) for o in page.object_list],
        "page_obj": page,
        "query": query,
        "statuses": PeriodStatus.choices,
        "risks": RISKS,
        "sorts": SORTS,
        "current": {"status": status, "risk": risk, "sort": sort},
    }
    return render(request, "staff_console/filing/control_tower.html", context)


@require_GET
def tenant_periods(request: HttpRequest, tenant_id: uuid.UUID) -> HttpResponse:
    tenant = get_object_or_404(Tenant, pk=tenant_id)
    with staff_tenant_context(request, tenant) as elevation:
        return render(
            request,
            "staff_console/filing/tenant_periods.html",
            {"tenant": tenant, "elevation": elevation, "rows": selectors.control_tower_rows()},
        )
