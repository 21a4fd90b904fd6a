"""/staff/outbox/: the work that must happen (decision 0017), by state, with its age, dependency and last error.

Read-only but for one action: a dead item (given up after too many sends) can be sent again, audited.
Rows hold ids only (task name, kwargs of ids), never a business's data, so no elevated access is needed.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from apps.core.state_machine import InvalidTransition
from apps.outbox import selectors
from apps.outbox.models import OutboxItem, OutboxState
from apps.outbox.services import staff_retry_dead

PAGE_SIZE = 100


def age(seconds: float) -> str:
    """ "45 s", "12 min", "3 h 5 min", "2 d 4 h": how long, at a glance."""
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if hours < 1:
        return f"{minutes} min"
    if days < 1:
        return f"{hours} h {minutes % 60} min"
    return f"{days} d {hours % 24} h"


@require_GET
def outbox_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    if state not in OutboxState.values:
        state = ""
    page = Paginator(selectors.items(state or None), PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [{"item": item, "age": age((now - item.created_at).total_seconds())} for item in page.object_list]
    summary = [{"row": row, "age": age(row.oldest_age_seconds) if row.count else "—"} for row in selectors.summary()]
    context = {"summary": summary, "rows": rows, "page": page, "state": state}
    return render(request, "staff_console/outbox/list.html", context)


@require_POST
def retry_item(request: HttpRequest, item_id: uuid.UUID) -> HttpResponse:
    item = get_object_or_404(OutboxItem, pk=item_id)
    try:
        staff_retry_dead(item=item, actor=request.user)
    except InvalidTransition as exc:
        messages.error(request, exc.message)
        return redirect("staff-outbox:list")
    messages.success(request, f"{item.task_name} will be sent again within a minute.")
    return redirect("staff-outbox:list")
