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

Once HMRC has answered DUPLICATE_SUBMISSION the return remembers it
(``hmrc_reported_duplicate_at``) and every later attempt only reads the
return back: HMRC holds one, so posting again can only be refused again.
Whatever the read-back meets (HMRC not publishing its copy yet, an outage, a
lost connection, a refusal) ends in a recorded attempt and a message saying
what happens next. Automatic attempts stop after ``MAX_AUTOMATIC_ATTEMPTS``;
then the return waits for a person (who may send it once more, audited) and
the FilingReturnStuck alert fires.
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
    """HMRC could not be reached or asked us to slow down; the task retries after ``countdown``.

    Raised only while automatic attempts remain: once they are used up the service returns
    ``"needs_person"`` instead, so nothing loops.
    """

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
    read_back_only: bool = False


def automatic_attempts_left(attempts: int) -> bool:
    return attempts < MAX_AUTOMATIC_ATTEMPTS


STOPPED = (
    "Strongroom has stopped trying on its own after {n} attempts: "
    'check the message above, then press "Send now" (it reads HMRC\'s copy back if HMRC already has one).'
)


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


def claim(*, tenant_id, return_id, task_id: str = "", manual: bool = False) -> Claim | None:
    """Claim the return for one attempt, or None when there is nothing to do (or someone else has it).

    An automatic attempt (task retry, resume sweep) is refused once the automatic attempts are used up;
    a person's explicit retry (``manual``) may make one more.
    """
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
        if not manual and not automatic_attempts_left(vat_return.attempts):
            _park_for_a_person(vat_return, interrupted)
            return None
        unsendable = _unsendable_because(vat_return)
        if unsendable and not interrupted and vat_return.hmrc_reported_duplicate_at is None:
            _refuse_to_send(vat_return, unsendable)
            return None
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
        return Claim(
            vat_return.pk,
            vat_return.tenant_id,
            attempt.pk,
            attempt.number,
            interrupted,
            # A return that must not be filed is only ever read back (an interrupted attempt may have reached HMRC).
            read_back_only=vat_return.hmrc_reported_duplicate_at is not None or bool(unsendable),
        )


def _unsendable_because(vat_return: VatReturn) -> str:
    """Why this return must not go to HMRC although it was approved (its period starts before the first one)."""
    from apps.filing.calculation import first_period_blocker
    from apps.filing.models import VatSettings

    return first_period_blocker(
        vat_return.obligation, VatSettings.objects.filter(tenant_id=vat_return.tenant_id).first()
    )


def _refuse_to_send(vat_return: VatReturn, reason: str) -> None:
    """Back to draft with the reason, its lines released: the page then shows the blocker."""
    before = vat_return.status
    vat_return.lines.all().delete()
    vat_return.status = ReturnStatus.DRAFT
    vat_return.next_attempt_at = None
    vat_return.submitting_since = None
    vat_return.last_error_code = "BEFORE_FIRST_PERIOD"
    vat_return.last_error_message = f"Not sent to HMRC. {reason}"
    vat_return.save()
    refresh_overview(vat_return.obligation, vat_return)
    record_event(
        "filing.return.send_refused",
        tenant_id=vat_return.tenant_id,
        target=vat_return,
        actor_label="filing worker",
        before={"status": before},
        after={"status": vat_return.status, "reason": reason},
    )


def _park_for_a_person(vat_return: VatReturn, interrupted: bool) -> None:
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
    vat_return.status = ReturnStatus.APPROVED
    vat_return.submitting_since = None
    vat_return.next_attempt_at = None
    vat_return.last_error_code = vat_return.last_error_code or "ATTEMPTS_EXHAUSTED"
    if stopped not in vat_return.last_error_message:
        vat_return.last_error_message = f"{vat_return.last_error_message} {stopped}".strip()
    vat_return.save()
    refresh_overview(vat_return.obligation, vat_return)


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
    if claimed.read_back_only:
        return _reconcile_duplicate(claimed, client, vat_return.vrn, vat_return.period_key, body)
    try:
        receipt = client.submit_return(vat_return.vrn, body)
    except DuplicateSubmission:
        _note_duplicate(claimed)
        return _reconcile_duplicate(claimed, client, vat_return.vrn, vat_return.period_key, body)
    except RateLimited as exc:
        return _retry_later(claimed, exc, max(exc.retry_after or 0, backoff_seconds(claimed.attempt_number)))
    except ExternalServiceUnavailable as exc:
        return _retry_later(claimed, exc, backoff_seconds(claimed.attempt_number))
    except HmrcNotConnected as exc:
        _release(claimed, exc, SubmissionAttempt.Outcome.NOT_CONNECTED, None)
        return "not_connected"
    except HmrcRejected as exc:
        _reject(claimed, exc.code, exc.message, exc.errors)
        return "rejected"
    except Exception as exc:  # a lost connection, an unreadable reply: the attempt says so
        return _retry_later(claimed, _unexpected(exc), backoff_seconds(claimed.attempt_number))
    _record_receipt(claimed, receipt)
    return "submitted"


class _Unexpected(Exception):
    def __init__(self, exc: BaseException) -> None:
        self.code = getattr(exc, "code", "") or exc.__class__.__name__
        self.message = (
            "Strongroom could not complete the exchange with HMRC "
            f"({getattr(exc, 'message', '') or exc.__class__.__name__})."
        )
        super().__init__(self.message)


def _unexpected(exc: BaseException) -> _Unexpected:
    return _Unexpected(exc)


def _retry_later(claimed: Claim, exc, countdown: float, *, outcome: str = "", message: str = "") -> str:
    """Back to approved with the next try scheduled; RetryLater while automatic attempts remain."""
    scheduled = _release(claimed, exc, outcome or SubmissionAttempt.Outcome.RETRYABLE, countdown, message=message)
    if scheduled:
        raise RetryLater(message or getattr(exc, "message", str(exc)), countdown)
    return "needs_person"


def _note_duplicate(claimed: Claim) -> None:
    """HMRC holds a return for the period: remember it (with the attempt), so nothing is ever posted again."""
    with tenant_context(claimed.tenant_id):
        vat_return = VatReturn.objects.select_for_update().get(pk=claimed.return_id)
        if vat_return.hmrc_reported_duplicate_at is None:
            vat_return.hmrc_reported_duplicate_at = timezone.now()
            vat_return.save(update_fields=["hmrc_reported_duplicate_at", "updated_at"])
        SubmissionAttempt.objects.filter(pk=claimed.attempt_id).update(
            error_code="DUPLICATE_SUBMISSION",
            message="HMRC already holds a return for this period: reading it back to compare the figures.",
        )


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
        vat_return.receipt_timestamp = getattr(receipt, "receipt_timestamp", "") or ""
        vat_return.correlation_id = getattr(receipt, "correlation_id", "") or ""
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
                "receipt_id": vat_return.receipt_id,
                "receipt_timestamp": vat_return.receipt_timestamp,
                "correlation_id": vat_return.correlation_id,
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
    """HMRC already has a return for the period: read it back; same figures means it is ours.

    Never posts. Every way the read-back can fail is recorded and leaves the return approved (HMRC holds
    a return, so the figures must not go back to the user as a rejection), with the next read-back
    scheduled or, when a person must act first, nothing scheduled and a message saying what to do.
    """
    from apps.integrations.errors import ExternalServiceUnavailable, HmrcNotConnected, HmrcRejected

    try:
        held = client.view_return(vrn, period_key)
    except ExternalServiceUnavailable as exc:  # includes rate limiting
        countdown = max(getattr(exc, "retry_after", None) or 0, backoff_seconds(claimed.attempt_number))
        return _retry_later(claimed, exc, countdown, message=READ_BACK_LATER.format(reason=exc.message))
    except HmrcNotConnected as exc:
        _release(claimed, exc, SubmissionAttempt.Outcome.NOT_CONNECTED, None, message=READ_BACK_NOT_CONNECTED)
        return "not_connected"
    except HmrcRejected as exc:
        if exc.code == "NOT_FOUND":
            return _retry_later(claimed, exc, backoff_seconds(claimed.attempt_number), message=READ_BACK_NOT_PUBLISHED)
        _release(
            claimed,
            exc,
            SubmissionAttempt.Outcome.NEEDS_PERSON,
            None,
            message=READ_BACK_REFUSED.format(reason=exc.message),
        )
        return "needs_person"
    except Exception as exc:  # a lost connection, a reply we cannot read: try again later
        unexpected = _unexpected(exc)
        return _retry_later(
            claimed,
            unexpected,
            backoff_seconds(claimed.attempt_number),
            message=READ_BACK_LATER.format(reason=unexpected.message),
        )
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


READ_BACK_NOT_PUBLISHED = (
    "HMRC says it already holds this return but has not published its copy yet, so it cannot be compared. "
    "Strongroom will read it back again later; it will not send the return again."
)
READ_BACK_LATER = (
    "HMRC already holds a return for this period, but reading it back failed: {reason} "
    "Strongroom will read it back again later; it will not send the return again."
)
READ_BACK_NOT_CONNECTED = (
    "HMRC already holds a return for this period, but the HMRC connection needs renewing before Strongroom can "
    'read it back. An owner should reconnect to HMRC, then press "Send now" (it only reads HMRC\'s copy back).'
)
READ_BACK_REFUSED = (
    "HMRC already holds a return for this period but would not show it to Strongroom: {reason} "
    'Nothing will be sent again. Check the HMRC connection and the VAT number, then press "Send now" '
    "(it only reads HMRC's copy back), or ask HMRC what it holds for this period."
)


def _release(claimed: Claim, exc, outcome: str, countdown: float | None, *, message: str = "") -> bool:
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
            vat_return.status = ReturnStatus.APPROVED
            vat_return.submitting_since = None
            vat_return.next_attempt_at = timezone.now() + timedelta(seconds=countdown) if scheduled else None
            vat_return.last_error_code = getattr(exc, "code", "") or exc.__class__.__name__
            vat_return.last_error_message = text
            vat_return.save()
            refresh_overview(vat_return.obligation, vat_return)
        _finish_attempt(claimed, outcome, code=getattr(exc, "code", "") or exc.__class__.__name__, message=text)
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
    _metric(
        {
            SubmissionAttempt.Outcome.RETRYABLE: "retryable",
            SubmissionAttempt.Outcome.NOT_CONNECTED: "not_connected",
        }.get(outcome, "needs_person")
    )
    return scheduled


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


def submit(*, tenant_id, return_id, task_id: str = "", manual: bool = False) -> str:
    """One attempt, end to end. Returns what happened; raises RetryLater when it should run again."""
    claimed = claim(tenant_id=tenant_id, return_id=return_id, task_id=task_id, manual=manual)
    if claimed is None:
        return "nothing_to_do"
    return send(claimed)


def stalled_returns(now=None) -> list[tuple[str, str]]:
    """(tenant id, return id) of returns the sweep should send: retries due, and attempts that died.

    Read from the platform projection, so the sweep needs no tenant's context. A return whose automatic
    attempts are used up is left alone, even one left ``submitting`` by a dead worker: it waits for a
    person (and the FilingReturnStuck alert says so), never for another automatic send.
    """
    from django.db.models import Q

    from apps.filing.models import FilingPeriodOverview

    now = now or timezone.now()
    due = FilingPeriodOverview.objects.filter(
        Q(return_status=ReturnStatus.APPROVED, next_attempt_at__lte=now)
        | Q(return_status=ReturnStatus.SUBMITTING, submitting_since__lt=now - LEASE),
        return_id__isnull=False,
        attempts__lt=MAX_AUTOMATIC_ATTEMPTS,
    )
    return [(str(t), str(r)) for t, r in due.values_list("tenant_id", "return_id")]
