"""The HMRC connection's state for the home page and the portfolio (decision 0042)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from django.db import connection
from django.urls import reverse

from apps.core.definer import call_member_function
from apps.integrations.hmrc.models import HmrcConnection
from apps.portal.todos import Business, Cell, Column, Todo, TodoSource
from apps.tenancy.context import tenant_context

FUNCTION = "strongroom_portfolio_hmrc"
FUNCTION_RETURNS = "tenant_id uuid, status text"
FUNCTION_BODY = "SELECT t, (SELECT c.status::text FROM integrations_hmrcconnection c WHERE c.tenant_id = t LIMIT 1)"

Status = HmrcConnection.Status
WORDS = {
    None: "Not connected to HMRC",
    Status.CONNECTED: "Connected to HMRC",
    Status.NEEDS_REAUTH: "HMRC needs reconnecting",
    Status.REVOKED: "Disconnected from HMRC",
    Status.WRONG_VRN: "HMRC access is for another VAT number",
}
RISK = {None: 1, Status.CONNECTED: 0, Status.NEEDS_REAUTH: 2, Status.REVOKED: 2, Status.WRONG_VRN: 2}


def _url(slug: str) -> str:
    return reverse("integrations:hmrc", args=[slug])


def connection_status() -> str | None:
    """The current business's connection status, or None when it never connected (one query)."""
    return HmrcConnection.objects.values_list("status", flat=True).first()


def todos(business: Business) -> list[Todo]:
    status = connection_status()
    risk = RISK.get(status, 2)
    return [Todo("integrations.hmrc", WORDS.get(status, str(status)), _url(business.slug), needs_action=risk > 0,
                 level="danger" if risk > 1 else "warning" if risk else "info",
                 detail="" if not risk else "Returns cannot be sent until it is connected.")]  # fmt: skip


def portfolio(user, businesses: Sequence[Business]) -> dict[uuid.UUID, dict[str, Cell]]:
    if connection.vendor == "postgresql":
        states = dict(call_member_function(FUNCTION, user.pk, [b.id for b in businesses]))
    else:
        states = {}
        for business in businesses:  # the embedded demo (SQLite)
            with tenant_context(business.id):
                states[business.id] = connection_status()
    by_id = {b.id: b for b in businesses}
    cells = {}
    for business_id, status in states.items():
        risk = RISK.get(status, 2)
        cells[business_id] = {"integrations.hmrc": Cell(
            "Connected" if status == Status.CONNECTED else WORDS.get(status, str(status)).replace(" to HMRC", ""),
            _url(by_id[business_id].slug), risk=risk, level="danger" if risk > 1 else "warning" if risk else "",
        )}  # fmt: skip
    return cells


SOURCE = TodoSource(
    key="integrations", order=40, columns=(Column("integrations.hmrc", "HMRC", risk_rank=20),),
    todos=todos, portfolio=portfolio,
)  # fmt: skip
