"""Reads of the filing app: the control tower rows, one period's page, the backlog and SLI figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Min, Q
from django.utils import timezone

from apps.filing import calculation
from apps.filing.domain import FROZEN_STATUSES, PeriodStatus, ReturnStatus
from apps.filing.figures import period_figures
from apps.filing.models import FilingPeriodOverview, VatObligation, VatReturn, VatSettings
from apps.filing.staff_overview import STUCK_SUBMITTING_AFTER, staff_overview_rows
from apps.ledger.services.periods import FrozenPeriod
from apps.permissions.policy import member_roles
from apps.tenancy.models import Membership


def frozen_periods() -> list[FrozenPeriod]:
    """The current business's periods whose return is frozen; the ledger's source for closed dates."""
    returns = VatReturn.objects.filter(status__in=FROZEN_STATUSES).select_related("obligation")
    return [
        FrozenPeriod(r.obligation.start, r.obligation.end, r.obligation.period_key, r.get_status_display().lower())
        for r in returns
    ]


def vat_settings_for(tenant) -> VatSettings | None:
    return VatSettings.objects.filter(tenant=tenant).first()


def four_eyes_on(tenant_id) -> bool:
    """Whether the business has four-eyes approval switched on (someone other than the preparer approves)."""
    return VatSettings.objects.filter(tenant_id=tenant_id, four_eyes=True).exists()


def approvers(tenant) -> list:
    """Memberships of active people who may approve this business's returns, by email."""
    roles = member_roles("filing.approve_return")
    members = Membership.objects.filter(tenant=tenant, user__is_active=True, role__in=roles).select_related("user")
    return sorted(members, key=lambda m: m.user.email)


def sending_outcome(vat_return: VatReturn) -> tuple[str, str]:
    """(message level, words) for the person who just approved or retried, from the state the return is in now.

    In the embedded mode the submission runs during the request, so the return may already be submitted,
    rejected, or parked; "being sent" is only true while it is queued or in flight.
    """
    status, error = vat_return.status, vat_return.last_error_message
    if status == ReturnStatus.SUBMITTED:
        return "success", "Submitted to HMRC: the receipt is below."
    if status == ReturnStatus.REJECTED:
        return "error", "HMRC rejected the return: what it said and what to do are below."
    if status == ReturnStatus.DRAFT:
        return "error", f"The return was not sent: {error}" if error else "The return was not sent."
    if status == ReturnStatus.APPROVED and error:
        when = (
            f" Next try around {timezone.localtime(vat_return.next_attempt_at):%H:%M}."
            if vat_return.next_attempt_at
            else ""
        )
        return "warning", f"Approved, but not submitted yet: {error}{when}"
    return "success", "Approved. The return is being sent to HMRC; the receipt will appear here."


def status_of(*, return_status: str, obligation_status: str, due: date, end: date, today: date | None = None) -> str:
    """The control tower's status: the return's state, else open/ready, and overdue past the due date."""
    today = today or timezone.localdate()
    if return_status == ReturnStatus.SUBMITTED or obligation_status == VatObligation.Status.FULFILLED:
        return PeriodStatus.SUBMITTED
    if return_status == ReturnStatus.REJECTED:
        return PeriodStatus.REJECTED
    if return_status in (ReturnStatus.APPROVED, ReturnStatus.SUBMITTING):
        return PeriodStatus.SUBMITTING
    if due < today:
        return PeriodStatus.OVERDUE
    if return_status == ReturnStatus.AWAITING_APPROVAL:
        return PeriodStatus.AWAITING_APPROVAL
    return PeriodStatus.READY if end < today else PeriodStatus.OPEN


def period_status(obligation: VatObligation, vat_return: VatReturn | None, *, today: date | None = None) -> str:
    return status_of(
        return_status=vat_return.status if vat_return else "", obligation_status=obligation.status,
        due=obligation.due, end=obligation.end, today=today,
    )  # fmt: skip


@dataclass
class PeriodRow:
    obligation: VatObligation
    vat_return: VatReturn | None
    status: str
    net_vat: object
    is_repayment: bool
    blockers: int

    @property
    def status_label(self) -> str:
        return PeriodStatus(self.status).label


def control_tower_rows(*, with_blockers: bool = True) -> list[PeriodRow]:
    """Every period of the tenant, newest first, with its status, figure and number of blockers."""
    settings = VatSettings.objects.first()
    obligations = list(VatObligation.objects.prefetch_related("returns").order_by("-start"))
    rows = []
    today = timezone.localdate()
    for obligation in obligations:
        vat_return = next(iter(obligation.returns.all()), None)
        status = period_status(obligation, vat_return, today=today)
        net, repayment, blockers = None, False, 0
        if vat_return is not None and vat_return.computed_at:
            net, repayment = vat_return.box5, vat_return.box4 > vat_return.box3
        if status in (PeriodStatus.OPEN, PeriodStatus.READY, PeriodStatus.OVERDUE) and with_blockers:
            # Summed in SQL, bounded to the period (decision 0034): never the ledger's history loaded here.
            figures = period_figures(obligation, vat_return, settings)
            net, repayment = figures.boxes.box5, figures.boxes.is_repayment
            blockers = len(calculation.blockers_for(obligation, figures.boxes, settings))
        rows.append(PeriodRow(obligation, vat_return, status, net, repayment, blockers))
    return rows


def obligation_by_key(period_key: str) -> VatObligation | None:
    return VatObligation.objects.filter(period_key=period_key).order_by("-start").first()


def return_for(obligation: VatObligation) -> VatReturn | None:
    return (
        VatReturn.objects.filter(obligation=obligation)
        .select_related("prepared_by", "approved_by")
        .prefetch_related("submission_attempts")
        .first()
    )


@dataclass(frozen=True)
class ReceiptRow:
    label: str
    value: str  # "" when HMRC did not return it
    note: str = ""  # why it is missing, in words


def receipt_rows(vat_return: VatReturn) -> list[ReceiptRow]:
    """Everything HMRC returned with the receipt, and plainly what it did not return (and why, where known)."""
    reconciled = vat_return.reconciled_from_hmrc and not vat_return.form_bundle_number
    read_back = "HMRC already held this return, so Strongroom confirmed it by reading it back, which does not carry "
    owes = vat_return.box3 > vat_return.box4
    if vat_return.charge_ref_number or (not reconciled and owes):
        charge_note = "" if vat_return.charge_ref_number else "HMRC did not return one."
    elif owes:
        charge_note = read_back + "the charge reference."
    else:
        charge_note = "None: nothing is owed for this return (HMRC gives one only when there is VAT to pay)."
    payment = {"DD": "By Direct Debit", "BANK": "Repayment to your bank account"}.get(
        vat_return.payment_indicator, vat_return.payment_indicator
    )
    processed = f"{timezone.localtime(vat_return.processing_date):%d %B %Y %H:%M}" if vat_return.processing_date else ""

    if reconciled:
        payment_note = read_back + "how it will be paid."
    elif owes:
        payment_note = "HMRC did not say how it will be paid (it says so for a Direct Debit or a repayment only)."
    else:
        payment_note = "Nothing to pay."

    def missing(what: str) -> str:
        return read_back + what + "." if reconciled else "HMRC did not return it."

    return [
        ReceiptRow("Form bundle number", vat_return.form_bundle_number, missing("a form bundle number")),
        ReceiptRow("Processed by HMRC", processed, missing("the processing date")),
        ReceiptRow("Charge reference", vat_return.charge_ref_number, charge_note),
        ReceiptRow("Payment", payment, payment_note),
        ReceiptRow("Receipt ID", vat_return.receipt_id, missing("a receipt ID")),
        ReceiptRow("Receipt timestamp", vat_return.receipt_timestamp, missing("a receipt timestamp")),
        ReceiptRow("HMRC correlation ID", vat_return.correlation_id, missing("a correlation ID")),
    ]


BOX_BY_FIELD = {
    "vatDueSales": 1,
    "vatDueAcquisitions": 2,
    "totalVatDue": 3,
    "vatReclaimedCurrPeriod": 4,
    "netVatDue": 5,
    "totalValueSalesExVAT": 6,
    "totalValuePurchasesExVAT": 7,
    "totalValueGoodsSuppliedExVAT": 8,
    "totalAcquisitionsExVAT": 9,
}


def rejection_rows(vat_return: VatReturn) -> list[dict]:
    """HMRC's error items, each with the box it is about (when HMRC pointed at one)."""
    rows = []
    for item in vat_return.rejection_errors or []:
        if not isinstance(item, dict):
            continue
        field = str(item.get("path") or "").lstrip("/")
        box = BOX_BY_FIELD.get(field)
        where = f"Box {box}" if box else field
        rows.append({"where": where, "code": item.get("code", ""), "message": item.get("message", "")})
    return rows


# --- Platform reads (no tenant context): the staff control tower, metrics and the SLO dashboard ---


@dataclass
class StaffRow:
    overview: FilingPeriodOverview
    status: str
    risk: str


def staff_overview(*, status: str = "", risk: str = "", sort: str = "due", today: date | None = None) -> list[StaffRow]:
    """Every period matching the filters (the control tower pages through ``staff_overview_rows`` instead)."""
    return [staff_row(o) for o in staff_overview_rows(status=status, risk=risk, sort=sort, today=today)]


def staff_row(o: FilingPeriodOverview) -> StaffRow:
    """A row of ``staff_overview_rows`` with the status and risk SQL gave it."""
    return StaffRow(o, o.row_status, o.row_risk)


def filing_backlog(now: datetime | None = None) -> tuple[int, float]:
    """Returns approved but not yet submitted, and the age in seconds of the oldest (for the metrics; one query)."""
    now = now or timezone.now()
    found = FilingPeriodOverview.objects.filter(
        Q(return_status=ReturnStatus.APPROVED) | Q(return_status=ReturnStatus.SUBMITTING)
    ).aggregate(n=Count("id"), oldest=Min("approved_at"))
    oldest = found["oldest"]
    return found["n"], (now - oldest).total_seconds() if oldest else 0.0


def stuck_returns(now: datetime | None = None) -> dict[str, tuple[int, float]]:
    """Returns stuck, by state: (how many, age in seconds of the oldest). One query on the platform projection.

    ``submitting``: an attempt started over ``STUCK_SUBMITTING_AFTER`` ago and never finished.
    ``awaiting_person``: approved, a failed attempt behind it and no automatic attempt scheduled (the
    attempts are used up, HMRC's connection must be renewed, or HMRC would not show its copy back).
    """
    now = now or timezone.now()
    submitting = Q(return_status=ReturnStatus.SUBMITTING, submitting_since__lt=now - STUCK_SUBMITTING_AFTER)
    waiting = Q(return_status=ReturnStatus.APPROVED, next_attempt_at__isnull=True) & ~Q(last_error_code="")
    found = FilingPeriodOverview.objects.filter(submitting | waiting).aggregate(
        submitting_n=Count("id", filter=submitting),
        submitting_oldest=Min("submitting_since", filter=submitting),
        awaiting_person_n=Count("id", filter=waiting),
        awaiting_person_oldest=Min("approved_at", filter=waiting),
    )
    result = {}
    for state in ("submitting", "awaiting_person"):
        oldest = found[f"{state}_oldest"]
        result[state] = (found[f"{state}_n"], (now - oldest).total_seconds() if oldest else 0.0)
    return result


# Outcomes that count as the service working: HMRC accepted it, or said no to the figures (the user's to fix).
GOOD_OUTCOMES = ("submitted", "reconciled", "rejected")


def filing_outcomes(since: datetime) -> list[tuple[datetime, bool]]:
    """(when, good) of every submission attempt since ``since``, in one query (the SLO dashboard's events)."""
    from apps.filing.models import SubmissionOutcomeLog

    rows = SubmissionOutcomeLog.objects.filter(at__gte=since).values_list("at", "outcome")
    return [(at, outcome in GOOD_OUTCOMES) for at, outcome in rows]


def filing_sli(since: datetime) -> tuple[int, int]:
    """(good, total) submission attempts since ``since``: the filing-success SLI without Prometheus."""
    from apps.filing.models import SubmissionOutcomeLog

    attempts = SubmissionOutcomeLog.objects.filter(at__gte=since)
    return attempts.filter(outcome__in=GOOD_OUTCOMES).count(), attempts.count()
