"""The audit log page's body, for the apps that show one (audit mounts no page of its own).

The business's page (tenancy) and the staff console both render
``audit/_log.html`` with this context: the chain's stored verification (never
verified during the request; decision 0037), the filter form bound to the query
string, and one keyset page of matching events.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest

from apps.audit.forms import AuditFilterForm
from apps.audit.selectors import EventFilter, chain_actions, chain_status, search_events
from apps.core.pagination import page_links

PER_PAGE = 50


def log_context(request: HttpRequest, chain: uuid.UUID) -> tuple[dict[str, Any], int]:
    """The template context and HTTP status: 400 with the form's errors (and the unfiltered log) on bad filters.

    A cursor that does not verify is a 400 too (``InvalidCursor``, mapped by the error middleware).
    """
    form = AuditFilterForm(request.GET or None, actions=chain_actions(chain))
    status = 200
    filters = EventFilter()
    if form.is_bound:
        if form.is_valid():
            filters = form.to_filter()
        else:
            status = 400
    cursor = request.GET.get("cursor") if status == 200 else None
    page = search_events(chain, filters, cursor=cursor, size=PER_PAGE)
    context = {"chain": chain_status(chain), "form": form, "page": page, "filtered": not filters.is_empty()}
    return context | page_links(request, page), status
