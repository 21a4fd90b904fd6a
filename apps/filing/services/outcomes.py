"""Recording what an attempt to send a VAT return ended in, each in one short transaction.

Used by ``submission`` (the claim, the call and the read-back): the receipt is stored in the transaction
that marks the return submitted; a failure that is not HMRC refusing the figures puts the return back to
approved with the next automatic attempt scheduled, or, once ``MAX_AUTOMATIC_ATTEMPTS`` are used up, with
nothing scheduled and a message saying a person must act.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from apps.audit.services import record_event
from apps.filing.domain import ReturnStatus
from apps.filing.models import SubmissionAttempt, VatReturn
from apps.filing.services.overview import refresh_overview
from apps.filing.states import move_obligation, move_return
from apps.observability import metrics
from apps.observability.metrics import safely
from apps.tenancy.context import tenant_context

MAX_AUTOMATIC_ATTEMPTS = 8


@dataclass(frozen=True)
class Claim:
    return_id: object
    tenant_id: object
    attempt_id: object
    attempt_number: int
    resumed_interrupted: bool
    read_back_only: bool = False
    read_back_first: bool = False  # an earlier attempt's outcome is unclear: read HMRC's copy before any POST


def automatic_attempts_left(attempts: int) -> bool:
    return attempts < MAX_AUTOMATIC_ATTEMPTS


STOPPED = (
    "Strongroom has stopped trying on its own after {n} attempts: "
    'check the message above, then press "Send now" (it reads HMRC\'s copy back if HMRC already has one).'
)


def metric(outcome: str) -> None:
    from apps.filing.models import SubmissionOutcomeLog

    SubmissionOutcomeLog.objects.create(outcome=outcome)

    counter = getattr(metrics, "FILING_SUBMISSIONS", None)
    if counter is not None:
        safely(lambda: counter.labels(outcome).inc())


def refuse_to_send(vat_return: VatReturn, reason: str) -> None:
    """Back to draft with the reason, its lines released: the page then shows the blocker."""
    before = vat_return.status
    vat_return.lines.all().delete()
    move_return(vat_return, "refuse_to_send", changes={
        "next_attempt_at": None, "submitting_since": None, "last_error_code": "BEFORE_FIRST_PERIOD",
        "last_error_message": f"Not sent to HMRC. {reason}",
    })  # fmt: skip
    refresh_overview(vat_return.obligation, vat_return)
    record_event(
        "filing.return.send_refused",
        tenant_id=vat_return.tenant_id,
        target=vat_return,
        actor_label="filing worker",
        before={"status": before},
        after={"status": vat_return.status, "reason": reason},
    )


def park_for_a_person(vat_return: VatReturn, interrupted: bool) -> None:
    """Automatic attempts are used up: leave the return approved, with nothing scheduled, saying so."""
    if interrupted:
        vat_return.submission_attempts.filter(outcome=SubmissionAttempt.Outcome.IN_FLIGHT).update(
            outcome=SubmissionAttempt.Outcome.NEEDS_PERSON,
            finished_at=timezone.now(),
            message="Interrupted before its outcome was recorded, with no automatic attempts left.",
        )
    if vat_return.status == ReturnStatus.APPROVED and vat_return.next_attempt_at is None and not interrupted:
        return  # already parked
    stopped = STOPPED.format(n=vat_return.attempts)
    message = vat_return.last_error_message
    if stopped not in message:
        message = f"{message} {stopped}".strip()
    move_return(vat_return, "park", changes={
        "submitting_since": None, "next_attempt_at": None,
        "last_error_code": vat_return.last_error_code or "ATTEMPTS_EXHAUSTED", "last_error_message": message,
    })  # fmt: skip
    refresh_overview(vat_return.obligation, vat_return)


def finish_attempt(claimed: Claim, outcome: str, *, code: str = "", message: str = "") -> None:
    SubmissionAttempt.objects.filter(pk=claimed.attempt_id).update(
        outcome=outcome, finished_at=timezone.now(), error_code=code[:60], message=message
    )


def record_receipt(claimed: Claim, receipt) -> None:
    with tenant_context(claimed.tenant_id):
        vat_return = VatReturn.objects.select_for_update().select_related("obligation").get(pk=claimed.return_id)
        first_time = vat_return.status != ReturnStatus.SUBMITTED
        move_return(vat_return, "record_receipt", changes={
            "submitted_at": vat_return.submitted_at or timezone.now(),
            "processing_date": receipt.processing_date,
            "form_bundle_number": receipt.form_bundle_number,
            "charge_ref_number": receipt.charge_ref_number or "",
            "payment_indicator": receipt.payment_indicator or "",
            "receipt_id": getattr(receipt, "receipt_id", "") or "",
            "receipt_timestamp": getattr(receipt, "receipt_timestamp", "") or "",
            "correlation_id": getattr(receipt, "correlation_id", "") or "",
            "submitting_since": None,
            "last_error_code": "",
            "last_error_message": "",
        })  # fmt: skip
        finish_attempt(claimed, SubmissionAttempt.Outcome.SUBMITTED)
        mark_obligation_fulfilled(vat_return)
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
                "receipt_id": vat_return.receipt_id,
                "receipt_timestamp": vat_return.receipt_timestamp,
                "correlation_id": vat_return.correlation_id,
                "first_time": first_time,
            },
        )
    metric("submitted")


def mark_obligation_fulfilled(vat_return: VatReturn) -> None:
    obligation = vat_return.obligation
    move_obligation(obligation, "fulfil", changes={"received": obligation.received or timezone.localdate()})


def release(claimed: Claim, exc, outcome: str, countdown: float | None, *, message: str = "") -> bool:
    """Back to approved after a failure that is not HMRC saying no to the figures.

    Returns whether an automatic retry is scheduled (``countdown`` given and attempts left); when not, the
    message says a person must act, and the return waits for them.
    """
    with tenant_context(claimed.tenant_id):
        vat_return = VatReturn.objects.select_for_update().select_related("obligation").get(pk=claimed.return_id)
        scheduled = (
            countdown is not None
            and vat_return.status == ReturnStatus.SUBMITTING
            and automatic_attempts_left(vat_return.attempts)
        )
        text = message or getattr(exc, "message", "") or str(exc)
        if countdown is not None and not scheduled and vat_return.status == ReturnStatus.SUBMITTING:
            text = f"{text} {STOPPED.format(n=vat_return.attempts)}"
        if vat_return.status == ReturnStatus.SUBMITTING:
            move_return(vat_return, "release", changes={
                "submitting_since": None,
                "next_attempt_at": timezone.now() + timedelta(seconds=countdown) if scheduled else None,
                "last_error_code": getattr(exc, "code", "") or exc.__class__.__name__,
                "last_error_message": text,
            })  # fmt: skip
            refresh_overview(vat_return.obligation, vat_return)
        finish_attempt(claimed, outcome, code=getattr(exc, "code", "") or exc.__class__.__name__, message=text)
        record_event(
            "filing.return.submission_deferred",
            tenant_id=vat_return.tenant_id,
            target=vat_return,
            actor_label="filing worker",
            extra={
                "outcome": outcome,
                "error_code": vat_return.last_error_code,
                "retry_in_seconds": countdown if scheduled else None,
                "read_back_only": vat_return.hmrc_reported_duplicate_at is not None,
            },
        )
    metric(
        {
            SubmissionAttempt.Outcome.RETRYABLE: "retryable",
            SubmissionAttempt.Outcome.NOT_CONNECTED: "not_connected",
        }.get(outcome, "needs_person")
    )
    return scheduled


def reject(claimed: Claim, code: str, message: str, errors: list) -> None:
    with tenant_context(claimed.tenant_id):
        vat_return = VatReturn.objects.select_for_update().select_related("obligation").get(pk=claimed.return_id)
        if vat_return.status == ReturnStatus.SUBMITTED:
            finish_attempt(claimed, SubmissionAttempt.Outcome.REJECTED, code=code, message=message)
            return
        move_return(vat_return, "reject", changes={
            "submitting_since": None, "last_error_code": code or "REJECTED", "last_error_message": message,
            "rejection_errors": list(errors or []),
        })  # fmt: skip
        # The figures go back to the user: release the claimed lines so a corrected return can take them.
        vat_return.lines.all().delete()
        finish_attempt(claimed, SubmissionAttempt.Outcome.REJECTED, code=code, message=message)
        refresh_overview(vat_return.obligation, vat_return)
        record_event(
            "filing.return.rejected",
            tenant_id=vat_return.tenant_id,
            target=vat_return,
            actor_label="filing worker",
            after={"error_code": code, "message": message, "errors": errors},
        )
    metric("rejected")
