"""FilingControlTower fixtures: the tenant's VAT periods page and the staff control tower, in their states.

Rows are the selectors' own row types (``PeriodRow``, ``StaffRow``) around
unsaved obligations, returns and overviews with fixed dates and figures, so
the templates render exactly as from the views (filing.views.control_tower,
staff_console.views.filing.control_tower).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from apps.filing.domain import PeriodStatus
from apps.filing.models import FilingPeriodOverview, VatObligation, VatReturn, VatSettings
from apps.filing.selectors import PeriodRow, StaffRow
from apps.staff_console.gallery.fixtures import GALLERY_TENANT_ID, gallery_tenant
from apps.staff_console.gallery.registry import Component, register
from apps.staff_console.views.filing import RISKS, SORTS
from apps.tenancy.models import Tenant

D = Decimal
SYNCED = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _obligation(key: str, start: date, end: date, due: date, status: str = "O"):
    return VatObligation(
        id=uuid.uuid5(GALLERY_TENANT_ID, key), tenant_id=GALLERY_TENANT_ID, vrn="980780684", period_key=key,
        start=start, end=end, due=due, status=status, synced_at=SYNCED,
    )  # fmt: skip


def _return(obligation, status: str, **fields):
    return VatReturn(
        id=uuid.uuid5(GALLERY_TENANT_ID, f"return-{obligation.period_key}"), tenant_id=GALLERY_TENANT_ID,
        obligation=obligation, vrn=obligation.vrn, period_key=obligation.period_key, status=status,
        computed_at=SYNCED, **fields,
    )  # fmt: skip


def _settings():

    return VatSettings(tenant_id=GALLERY_TENANT_ID, stagger="stagger_1", first_period_start=date(2025, 1, 1))


def _row(obligation, vat_return, status: str, net: str | None, *, repayment=False, blockers=0):

    return PeriodRow(obligation, vat_return, status, D(net) if net is not None else None, repayment, blockers)


Q4 = ("25A4", date(2025, 10, 1), date(2025, 12, 31), date(2026, 2, 7))
Q3 = ("25A3", date(2025, 7, 1), date(2025, 9, 30), date(2025, 11, 7))
Q2 = ("25A2", date(2025, 4, 1), date(2025, 6, 30), date(2025, 8, 7))
Q1 = ("26A1", date(2026, 1, 1), date(2026, 3, 31), date(2026, 5, 7))


def _tenant_context(rows, *, settings=True) -> dict[str, Any]:
    return {
        "current_tenant": gallery_tenant(),
        "rows": rows,
        "settings": _settings() if settings else None,
        "can_prepare": True,
        "can_change_settings": True,
    }


def tower_empty() -> dict[str, Any]:
    return _tenant_context([], settings=False)


def tower_overdue() -> dict[str, Any]:
    open_q1, overdue_q4 = _obligation(*Q1), _obligation(*Q4)
    submitted_q3 = _obligation(*Q3, status="F")
    return _tenant_context([
        _row(open_q1, None, "open", "1250.40"),
        _row(overdue_q4, None, "overdue", "3150.00", blockers=2),
        _row(submitted_q3, _return(submitted_q3, "submitted", form_bundle_number="123456789012"), "submitted",
             "2875.10"),
    ])  # fmt: skip


def tower_rejected() -> dict[str, Any]:
    rejected_q4 = _obligation(*Q4)
    vat_return = _return(rejected_q4, "rejected", box3=D("3150.00"), box4=D("0"), box5=D("3150.00"),
                         last_error_code="INVALID_MONETARY_AMOUNT")  # fmt: skip
    return _tenant_context([
        _row(rejected_q4, vat_return, "rejected", "3150.00"),
        _row(_obligation(*Q2, status="F"), _return(_obligation(*Q2, status="F"), "submitted",
                                                   form_bundle_number="998877665544"), "submitted", "-420.00",
             repayment=True),
    ])  # fmt: skip


def _overview(name: str, key_dates, *, return_status="", net=None, error="", obligation_status="O"):

    key, start, end, due = key_dates
    tenant = Tenant(id=uuid.uuid5(GALLERY_TENANT_ID, name), name=name, slug=name.lower().split()[0])
    return FilingPeriodOverview(
        id=uuid.uuid5(GALLERY_TENANT_ID, f"{name}-{key}"), tenant=tenant, vrn="980780684", period_key=key,
        start=start, end=end, due=due, obligation_status=obligation_status, return_status=return_status,
        net_vat=D(net) if net is not None else None, last_error_code=error,
    )  # fmt: skip


def _staff_context(rows) -> dict[str, Any]:

    return {
        "rows": rows,
        "statuses": PeriodStatus.choices,
        "risks": RISKS,
        "sorts": SORTS,
        "current": {"status": "", "risk": "", "sort": "risk"},
    }


def staff_tower() -> dict[str, Any]:
    return _staff_context([
        StaffRow(_overview("Aldgate Joinery Ltd", Q4, return_status="rejected", net="3150.00",
                           error="INVALID_MONETARY_AMOUNT"), "rejected", "rejected"),
        StaffRow(_overview("Bramley Florists Ltd", Q4, return_status="approved", net="812.55",
                           error="SERVER_ERROR"), "submitting", "stuck"),
        StaffRow(_overview("Copperfield Tea Rooms", Q4, net="240.00"), "overdue", "overdue"),
        StaffRow(_overview("Hollybush Bakery Ltd", Q1, net="1250.40"), "open", "due_soon"),
        StaffRow(_overview("Quayside Design Studio LLP", Q3, return_status="submitted", net="-96.30",
                           obligation_status="F"), "submitted", ""),
    ])  # fmt: skip


def staff_tower_empty() -> dict[str, Any]:
    return _staff_context([])


register(
    Component(
        slug="filing-control-tower",
        title="FilingControlTower (business)",
        template="filing/control_tower.html",
        description="A business's VAT periods: status, due date, net VAT, blockers and HMRC receipt.",
        states={"empty": tower_empty, "overdue": tower_overdue, "rejected": tower_rejected},
    )
)
register(
    Component(
        slug="filing-control-tower-staff",
        title="FilingControlTower (staff)",
        template="staff_console/filing/control_tower.html",
        description="Every business's periods by risk: rejected, stuck, overdue, due soon.",
        states={"overview": staff_tower, "empty": staff_tower_empty},
    )
)
