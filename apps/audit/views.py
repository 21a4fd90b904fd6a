"""The audit log page's body, for the apps that show one (audit mounts no page of its own).

The business's page (tenancy) and the staff console both render
``audit/_log.html`` with this context: the chain's verification, the filter
form bound to the query string, and one page of matching events.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest

from apps.audit.forms import AuditFilterForm, page_number
from apps.audit.selectors import EventFilter, chain_actions, search_events, verify_chain

PER_PAGE = 50


def log_context(request: HttpRequest, chain: uuid.UUID) -> tuple[dict[str, Any], int]:
    """The template context and HTTP status: 400 with the form's errors (and the unfiltered log) on bad filters."""
    form = AuditFilterForm(request.GET or None, actions=chain_actions(chain))
    status = 200
    filters = EventFilter()
    if form.is_bound:
        if form.is_valid():
            filters = form.to_filter()
        else:
            status = 400
    page = search_events(chain, filters, page=page_number(request.GET.get("page")), per_page=PER_PAGE)
    return {"chain": verify_chain(chain), "form": form, "page": page}, status
