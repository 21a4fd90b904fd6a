"""What the period page shows, gathered in one place so the view only parses, authorises, calls and renders.

The page's buttons come from :func:`apps.filing.actions.available_actions`,
the same answer the services enforce; the template only lays them out.
Whether the person's role may prepare or approve is the view's question
(passed in as booleans), so this module stays role-agnostic.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

from apps.filing import calculation, selectors
from apps.filing.actions import Facts, available_actions
from apps.filing.domain import FROZEN_STATUSES, PeriodStatus, ReturnStatus, rejection_advice
from apps.filing.figures import correction_warnings, period_figures
from apps.filing.models import VatObligation
from apps.filing.services import hmrc_live
from apps.filing.services.returns import fingerprint

BOX_LABELS = {
    1: "VAT due on sales and other outputs",
    2: "VAT due on acquisitions from EU member states (Northern Ireland)",
    3: "Total VAT due (box 1 + box 2)",
    4: "VAT reclaimed on purchases and other inputs",
    5: "Net VAT to pay to HMRC or reclaim",
    6: "Total value of sales and all other outputs, excluding VAT",
    7: "Total value of purchases and all other inputs, excluding VAT",
    8: "Total value of goods supplied to EU member states (Northern Ireland), excluding VAT",
    9: "Total value of acquisitions from EU member states (Northern Ireland), excluding VAT",
}


@dataclass(frozen=True)
class Viewer:
    """Who is looking, as far as the page needs: their user id and what their role allows (decided by the view)."""

    user_id: object
    can_prepare: bool
    can_approve: bool


def period_page(obligation: VatObligation, *, tenant, viewer: Viewer) -> dict:
    """Everything ``filing/period.html`` shows (the forms are the view's), computed once."""
    settings = selectors.vat_settings_for(tenant)
    vat_return = selectors.return_for(obligation)
    figures = period_figures(obligation, vat_return, settings)  # SQL, bounded to the period (decision 0034)
    status_now = vat_return.status if vat_return is not None else ReturnStatus.DRAFT
    frozen = vat_return is not None and vat_return.status in FROZEN_STATUSES
    blockers = [] if frozen else calculation.blockers_for(obligation, figures.boxes, settings)
    actions = available_actions(vat_return, Facts(obligation, settings, viewer.user_id, blockers))
    four_eyes = bool(settings and settings.four_eyes)
    awaiting = status_now == ReturnStatus.AWAITING_APPROVAL
    rejected = status_now == ReturnStatus.REJECTED
    # Four-eyes, and this person prepared it: they are told who must approve instead of shown a refusing form.
    waiting_for_other = awaiting and four_eyes and vat_return.prepared_by_id == viewer.user_id
    # The one next step offered: approval when it is available; with four-eyes on, sending a draft for approval.
    offer_prepare = four_eyes and not awaiting and bool(actions["prepare"]) and not blockers
    boxes = [
        {
            "number": n,
            "label": BOX_LABELS[n],
            "value": getattr(figures.boxes, f"box{n}"),
            "lines": figures.counts.get(n, 0),
            "whole": n >= 6,
        }
        for n in range(1, 10)
    ]
    status = selectors.period_status(obligation, vat_return)
    return {
        "obligation": obligation,
        "vat_return": vat_return,
        "status": status,
        "status_label": PeriodStatus(status).label,
        "figures": figures,
        "fingerprint": fingerprint(figures.boxes),
        "boxes": boxes,
        "blockers": blockers,
        "todos": [] if frozen else calculation.document_todos(),
        "correction_warnings": correction_warnings(obligation, vat_return, settings, figures.boxes.box6),
        "frozen": frozen,
        "four_eyes": four_eyes,
        "can_prepare": viewer.can_prepare,
        "can_approve": viewer.can_approve,
        "actions": actions,
        "show_approval": awaiting or bool(actions["approve"]) or offer_prepare,
        "offer_prepare": offer_prepare,
        "attempts": list(vat_return.submission_attempts.all()) if vat_return else [],
        "receipt_rows": selectors.receipt_rows(vat_return) if status_now == ReturnStatus.SUBMITTED else [],
        "rejection_rows": selectors.rejection_rows(vat_return) if rejected else [],
        "rejection_advice": rejection_advice(vat_return.last_error_code, vat_return.rejection_errors)
        if rejected
        else "",
        "waiting_for_other": waiting_for_other,
        "other_approvers": [m.user.email for m in selectors.approvers(tenant) if m.user_id != viewer.user_id]
        if waiting_for_other
        else [],
    }


def financials_fragment(obligation: VatObligation, *, refresh: Callable[[], object], poll: int = 0) -> dict:
    """What HMRC holds for the period, from the cache (never a call to HMRC here), and whether to poll again."""
    live = hmrc_live.live_financials(obligation, refresh=refresh)
    return {
        "obligation": obligation,
        "financials": live.financials,
        "error": live.error,
        "stale": live.stale,
        "refreshing": live.refreshing,
        "next_poll": poll + 1 if live.refreshing and poll < settings.HMRC_LIVE_POLLS else None,
        "gave_up": live.refreshing and poll >= settings.HMRC_LIVE_POLLS,
    }
