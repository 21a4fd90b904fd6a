"""Sending an approved return to HMRC exactly once.

The idempotency key is the VRN and period key (one ``VatReturn`` row each).
Three short transactions around one HTTP call:

1. **claim**: lock the row (``select_for_update(skip_locked=True)``); only an
   approved return, or one whose previous attempt died mid-flight (status
   ``submitting`` with an expired lease), is claimed; write the attempt row
   *before* the call, so an interrupted attempt is visible;
2. **call** HMRC, holding no transaction;
3. **record** the outcome: the receipt is stored in the same transaction that
   marks the return submitted.

A worker killed between 2 and 3 leaves the return ``submitting``. The next
attempt (redelivery, the resume sweep, or a user's retry) sends it again;
if the first call had reached HMRC, HMRC answers DUPLICATE_SUBMISSION and we
reconcile by reading the return back and comparing the figures: the return
is recorded as submitted once, never as a second submission.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from apps.audit.services import record_event
from apps.filing.domain import ReturnStatus, hmrc_body
from apps.filing.models import SubmissionAttempt, VatReturn
from apps.filing.services.overview import refresh_overview
from apps.observability.metrics import safely
from apps.tenancy.context import tenant_context

# An attempt older than this with no outcome is taken to have died (HTTP timeouts are far shorter).
LEASE = timedelta(minutes=2)
BACKOFF_BASE_SECONDS = 15
BACKOFF_CAP_SECONDS = 15 * 60
MAX_AUTOMATIC_ATTEMPTS = 8

BOX_FIELDS = {
    "box1": "vatDueSales",
    "box2": "vatDueAcquisitions",
    "box3": "totalVatDue",
    "box4": "vatReclaimedCurrPeriod",
    "box5": "netVatDue",
    "box6": "totalValueSalesExVAT",
    "box7": "totalValuePurchasesExVAT",
    "box8": "totalValueGoodsSuppliedExVAT",
    "box9": "totalAcquisitionsExVAT",
}


class RetryLater(Exception):
    """HMRC could not be reached or asked us to slow down; the task retries after ``countdown``."""

    def __init__(self, message: str, countdown: float) -> None:
        super().__init__(message)
        self.countdown = countdown


@dataclass(frozen=True)
class Claim:
    return_id: object
    tenant_id: object
    attempt_id: object
    attempt_number: int
    resumed_interrupted: bool


def backoff_seconds(attempt: int, *, rng: random.Random | None = None) -> float:
    """Exponential backoff with jitter: base·2^(n−1), capped, times a random factor in [0.5, 1.5)."""
    rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempt - 1))
    return ceiling * (0.5 + rng.random())


def _metric(outcome: str) -> None:
    from apps.filing.models import SubmissionOutcomeLog
    from apps.observability import metrics

    SubmissionOutcomeLog.objects.create(outcome=outcome)

    counter = getattr(metrics, "FILING_SUBMISSIONS", None)
    if counter is not None:
        safely(lambda: counter.labels(outcome).inc())


def claim(*, tenant_id, return_id, task_id: str = "") -> Claim | None:
    """Claim the return for one attempt, or None when there is nothing to do (or someone else has it)."""
    now = timezone.now()
    with tenant_context(tenant_id):
        vat_return = VatReturn.objects.select_for_update(skip_locked=True).filter(pk=return_id).first()
        if vat_return is None:
            return None
        interrupted = vat_return.status == ReturnStatus.SUBMITTING
        if interrupted and vat_return.submitting_since and vat_return.submitting_since > now - LEASE:
            return None  # in flight in another worker
        if vat_return.status not in (ReturnStatus.APPROVED, ReturnStatus.SUBMITTING):
            return None  # submitted, rejected, or not approved: nothing to send
        if interrupted:
            vat_return.submission_attempts.filter(outcome=SubmissionAttempt.Outcome.IN_FLIGHT).update(
                message="Interrupted before its outcome was recorded; sent again (HMRC refuses a second copy)."
            )
        vat_return.status = ReturnStatus.SUBMITTING
        vat_return.submitting_since = now
        vat_return.attempts += 1
        vat_return.next_attempt_at = None
        vat_return.save()
        attempt = SubmissionAttempt.objects.create(
            tenant_id=vat_return.tenant_id, vat_return=vat_return, number=vat_return.attempts, celery_task_id=task_id
        )
        refresh_overview(vat_return.obligation, vat_return)
        return Claim(vat_return.pk, vat_return.tenant_id, attempt.pk, attempt.number, interrupted)


def send(claimed: Claim) -> str:
    """Make the call and record what happened; raises RetryLater for a retryable failure."""
    from apps.integrations.errors import (
        DuplicateSubmission,
        ExternalServiceUnavailable,
        HmrcNotConnected,
        HmrcRejected,
        RateLimited,
    )
    from apps.integrations.hmrc.fraud_headers import build_fraud_headers
    from apps.integrations.hmrc.vat_client import HmrcVatClient

    with tenant_context(claimed.tenant_id):
        vat_return = VatReturn.objects.select_related("tenant").get(pk=claimed.return_id)
        body = hmrc_body(vat_return.period_key, vat_return.boxes)
        headers = build_fraud_headers(vat_return.fraud_context or {})
        client = HmrcVatClient(vat_return.tenant, fraud_headers=headers)
    try:
        receipt = client.submit_return(vat_return.vrn, body)
    except DuplicateSubmission:
        return _reconcile_duplicate(claimed, client, vat_return.vrn, vat_return.period_key, body)
    except RateLimited as exc:
        countdown = max(exc.retry_after or 0, backoff_seconds(claimed.attempt_number))
        _release(claimed, exc, SubmissionAttempt.Outcome.RETRYABLE, countdown)
        raise RetryLater(exc.message, countdown) from exc
    except ExternalServiceUnavailable as exc:
        countdown = backoff_seconds(claimed.attempt_number)
        _release(claimed, exc, SubmissionAttempt.Outcome.RETRYABLE, countdown)
        raise RetryLater(exc.message, countdown) from exc
    except HmrcNotConnected as exc:
        _release(claimed, exc, SubmissionAttempt.Outcome.NOT_CONNECTED, None)
        return "not_connected"
    except HmrcRejected as exc:
        _reject(claimed, exc.code, exc.message, exc.errors)
        return "rejected"
    _record_receipt(claimed, receipt)
    return "submitted"


def _finish_attempt(claimed: Claim, outcome: str, *, code: str = "", message: str = "") -> None:
    SubmissionAttempt.objects.filter(pk=claimed.attempt_id).update(
        outcome=outcome, finished_at=timezone.now(), error_code=code[:60], message=message
    )


def _record_receipt(claimed: Claim, receipt) -> None:
    with tenant_context(claimed.tenant_id):
        vat_return = VatReturn.objects.select_for_update().select_related("obligation").get(pk=claimed.return_id)
        first_time = vat_return.status != ReturnStatus.SUBMITTED
        vat_return.status = ReturnStatus.SUBMITTED
        vat_return.submitted_at = vat_return.submitted_at or timezone.now()
        vat_return.processing_date = receipt.processing_date
        vat_return.form_bundle_number = receipt.form_bundle_number
        vat_return.charge_ref_number = receipt.charge_ref_number or ""
        vat_return.payment_indicator = receipt.payment_indicator or ""
        vat_return.receipt_id = getattr(receipt, "receipt_id", "") or ""
        vat_return.submitting_since = None
        vat_return.last_error_code = ""
        vat_return.last_error_message = ""
        vat_return.save()
        _finish_attempt(claimed, SubmissionAttempt.Outcome.SUBMITTED)
        _mark_obligation_fulfilled(vat_return)
        refresh_overview(vat_return.obligation, vat_return)
        record_event(
            "filing.return.submitted",
            tenant_id=vat_return.tenant_id,
            target=vat_return,
            actor_label="filing worker",
            after={
                "period_key": vat_return.period_key,
                "form_bundle_number": vat_return.form_bundle_number,
                "processing_date": vat_return.processing_date.isoformat() if vat_return.processing_date else None,
                "charge_ref_number": vat_return.charge_ref_number,
                "payment_indicator": vat_return.payment_indicator,
                "first_time": first_time,
            },
        )
    _metric("submitted")


def _mark_obligation_fulfilled(vat_return: VatReturn) -> None:
    obligation = vat_return.obligation
    obligation.status = obligation.Status.FULFILLED
    obligation.received = obligation.received or timezone.localdate()
    obligation.save(update_fields=["status", "received"])


def _as_decimal(value) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return None


def _differences(ours: dict, theirs: dict) -> list[str]:
    found = []
    for field in BOX_FIELDS.values():
        if _as_decimal(ours.get(field)) != _as_decimal(theirs.get(field)):
            found.append(f"{field}: ours {ours.get(field)}, HMRC's {theirs.get(field)}")
    return found


def _reconcile_duplicate(claimed: Claim, client, vrn: str, period_key: str, body: dict) -> str:
    """HMRC already has a return for the period: read it back; same figures means it is ours."""
    from apps.integrations.errors import ExternalServiceUnavailable

    try:
        held = client.view_return(vrn, period_key)
    except ExternalServiceUnavailable as exc:
        countdown = backoff_seconds(claimed.attempt_number)
        _release(claimed, exc, SubmissionAttempt.Outcome.RETRYABLE, countdown)
        raise RetryLater(exc.message, countdown) from exc
    differences = _differences(body, held)
    if differences:
        _reject(
            claimed,
            "DUPLICATE_SUBMISSION",
            "HMRC already holds a different return for this period (filed outside Strongroom?). "
            "Nothing was sent; check with HMRC before correcting it.",
            [{"code": "DUPLICATE_SUBMISSION", "message": d} for d in differences],
        )
        return "rejected"
    with tenant_context(claimed.tenant_id):
        vat_return = VatReturn.objects.select_for_update().select_related("obligation").get(pk=claimed.return_id)
        if vat_return.status != ReturnStatus.SUBMITTED:
            vat_return.status = ReturnStatus.SUBMITTED
            vat_return.submitted_at = timezone.now()
            vat_return.reconciled_from_hmrc = not vat_return.form_bundle_number
        vat_return.submitting_since = None
        vat_return.last_error_code = ""
        vat_return.last_error_message = ""
        vat_return.save()
        _finish_attempt(
            claimed,
            SubmissionAttempt.Outcome.RECONCILED,
            code="DUPLICATE_SUBMISSION",
            message="HMRC already had this return with the same figures: recorded once, as submitted.",
        )
        _mark_obligation_fulfilled(vat_return)
        refresh_overview(vat_return.obligation, vat_return)
        record_event(
            "filing.return.reconciled",
            tenant_id=vat_return.tenant_id,
            target=vat_return,
            actor_label="filing worker",
            after={"period_key": period_key, "figures_match": True},
        )
    _metric("reconciled")
    return "reconciled"


def _release(claimed: Claim, exc, outcome: str, countdown: float | None) -> None:
    """Back to approved after a failure that is not HMRC saying no; a retry will claim it again."""
    with tenant_context(claimed.tenant_id):
        vat_return = VatReturn.objects.select_for_update().select_related("obligation").get(pk=claimed.return_id)
        if vat_return.status == ReturnStatus.SUBMITTING:
            vat_return.status = ReturnStatus.APPROVED
            vat_return.submitting_since = None
            vat_return.next_attempt_at = (
                timezone.now() + timedelta(seconds=countdown)
                if countdown is not None and vat_return.attempts < MAX_AUTOMATIC_ATTEMPTS
                else None
            )
            vat_return.last_error_code = getattr(exc, "code", "") or exc.__class__.__name__
            vat_return.last_error_message = getattr(exc, "message", "") or str(exc)
            vat_return.save()
            refresh_overview(vat_return.obligation, vat_return)
        _finish_attempt(claimed, outcome, code=vat_return.last_error_code, message=vat_return.last_error_message)
        record_event(
            "filing.return.submission_deferred",
            tenant_id=vat_return.tenant_id,
            target=vat_return,
            actor_label="filing worker",
            extra={"outcome": outcome, "error_code": vat_return.last_error_code, "retry_in_seconds": countdown},
        )
    _metric("retryable" if outcome == SubmissionAttempt.Outcome.RETRYABLE else "not_connected")


def _reject(claimed: Claim, code: str, message: str, errors: list) -> None:
    with tenant_context(claimed.tenant_id):
        vat_return = VatReturn.objects.select_for_update().select_related("obligation").get(pk=claimed.return_id)
        if vat_return.status == ReturnStatus.SUBMITTED:
            _finish_attempt(claimed, SubmissionAttempt.Outcome.REJECTED, code=code, message=message)
            return
        vat_return.status = ReturnStatus.REJECTED
        vat_return.submitting_since = None
        vat_return.last_error_code = code or "REJECTED"
        vat_return.last_error_message = message
        vat_return.rejection_errors = list(errors or [])
        vat_return.save()
        # The figures go back to the user: release the claimed lines so a corrected return can take them.
        vat_return.lines.all().delete()
        _finish_attempt(claimed, SubmissionAttempt.Outcome.REJECTED, code=code, message=message)
        refresh_overview(vat_return.obligation, vat_return)
        record_event(
            "filing.return.rejected",
            tenant_id=vat_return.tenant_id,
            target=vat_return,
            actor_label="filing worker",
            after={"error_code": code, "message": message, "errors": errors},
        )
    _metric("rejected")


def submit(*, tenant_id, return_id, task_id: str = "") -> str:
    """One attempt, end to end. Returns what happened; raises RetryLater when it should run again."""
    claimed = claim(tenant_id=tenant_id, return_id=return_id, task_id=task_id)
    if claimed is None:
        return "nothing_to_do"
    return send(claimed)


def stalled_returns(now=None) -> list[tuple[str, str]]:
    """(tenant id, return id) of returns the sweep should send: retries due, and attempts that died.

    Read from the platform projection, so the sweep needs no tenant's context.
    """
    from django.db.models import Q

    from apps.filing.models import FilingPeriodOverview

    now = now or timezone.now()
    due = FilingPeriodOverview.objects.filter(
        Q(return_status=ReturnStatus.APPROVED, next_attempt_at__lte=now)
        | Q(return_status=ReturnStatus.SUBMITTING, submitting_since__lt=now - LEASE),
        return_id__isnull=False,
    )
    return [(str(t), str(r)) for t, r in due.values_list("tenant_id", "return_id")]
