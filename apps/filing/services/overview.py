"""Keeps ``FilingPeriodOverview`` (the staff control tower's projection) in step with a tenant's rows.

Called inside the transaction that changes the obligation or the return, so
the projection never says more than the books do.
"""

from __future__ import annotations

from apps.filing.models import FilingPeriodOverview, VatObligation, VatReturn


def refresh_overview(obligation: VatObligation, vat_return: VatReturn | None = None) -> None:
    if vat_return is None:
        vat_return = obligation.returns.first()
    values = {
        "start": obligation.start,
        "end": obligation.end,
        "due": obligation.due,
        "obligation_status": obligation.status,
        "return_status": vat_return.status if vat_return else "",
        "net_vat": vat_return.box5 if vat_return and vat_return.computed_at else None,
        "is_repayment": bool(vat_return and vat_return.box4 > vat_return.box3),
        "return_id": vat_return.pk if vat_return else None,
        "last_error_code": vat_return.last_error_code if vat_return else "",
        "next_attempt_at": vat_return.next_attempt_at if vat_return else None,
        "attempts": vat_return.attempts if vat_return else 0,
        "approved_at": vat_return.approved_at if vat_return else None,
        "submitting_since": vat_return.submitting_since if vat_return else None,
        "submitted_at": vat_return.submitted_at if vat_return else None,
    }
    FilingPeriodOverview.objects.update_or_create(
        tenant_id=obligation.tenant_id, vrn=obligation.vrn, period_key=obligation.period_key, defaults=values
    )
