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

An attempt whose outcome is unclear (HMRC's reply never arrived: a timeout,
a lost connection, an unreadable reply, or a worker that died mid-call) is
never followed by a blind POST: the next attempt reads HMRC's copy back
first, and sends only when HMRC has none (issue #17: a slow HMRC made up to
three POSTs per return). The POST waits longer than a read
(``HMRC_SUBMIT_READ_TIMEOUT``) because its reply is the only copy of the
receipt: HMRC's view of a return has no form bundle number.

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
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from apps.audit.services import record_event
from apps.filing.domain import ReturnStatus, hmrc_body
from apps.filing.models import SubmissionAttempt, VatReturn
from apps.filing.services.outcomes import (
    MAX_AUTOMATIC_ATTEMPTS,
    Claim,
    automatic_attempts_left,
    finish_attempt,
    mark_obligation_fulfilled,
    metric,
    park_for_a_person,
    record_receipt,
    refuse_to_send,
    reject,
    release,
)
from apps.filing.services.overview import refresh_overview
from apps.filing.states import move_return
from apps.integrations.errors import (
    DuplicateSubmission,
    ExternalServiceUnavailable,
    HmrcNotConnected,
    HmrcRejected,
    RateLimited,
)
from apps.integrations.hmrc.initiator import UserInitiated
from apps.integrations.hmrc.vat_client import HmrcVatClient
from apps.tenancy.context import tenant_context

# An attempt older than this with no outcome is taken to have died (HTTP timeouts are far shorter).
LEASE = timedelta(minutes=2)
BACKOFF_BASE_SECONDS = 15
BACKOFF_CAP_SECONDS = 15 * 60
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


def backoff_seconds(attempt: int, *, rng: random.Random | None = None) -> float:
    """Exponential backoff with jitter: base·2^(n−1), capped, times a random factor in [0.5, 1.5)."""
    rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempt - 1))
    return ceiling * (0.5 + rng.random())


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
            park_for_a_person(vat_return, interrupted)
            return None
        unsendable = _unsendable_because(vat_return)
        if unsendable and not interrupted and vat_return.hmrc_reported_duplicate_at is None:
            refuse_to_send(vat_return, unsendable)
            return None
        read_back_only = vat_return.hmrc_reported_duplicate_at is not None or bool(unsendable)
        # An earlier POST may have reached HMRC: look before sending again.
        read_back_first = vat_return.submission_attempts.filter(error_code=OUTCOME_UNCLEAR).exists()
        if interrupted:
            vat_return.submission_attempts.filter(outcome=SubmissionAttempt.Outcome.IN_FLIGHT).update(
                error_code=OUTCOME_UNCLEAR,
                message="Interrupted before its outcome was recorded; "
                + (
                    "HMRC's copy is read back instead."
                    if read_back_only
                    else "HMRC's copy is read back first, and the return sent only if HMRC has none."
                ),
            )
        changes = {"submitting_since": now, "attempts": vat_return.attempts + 1, "next_attempt_at": None}
        move_return(vat_return, "start_sending", changes=changes)
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
            read_back_only=read_back_only,
            read_back_first=read_back_first,
        )


def _unsendable_because(vat_return: VatReturn) -> str:
    """Why this return must not go to HMRC although it was approved (its period starts before the first one)."""
    from apps.filing.calculation import first_period_blocker
    from apps.filing.models import VatSettings

    return first_period_blocker(
        vat_return.obligation, VatSettings.objects.filter(tenant_id=vat_return.tenant_id).first()
    )


def send(claimed: Claim) -> str:
    """Make the call and record what happened; raises RetryLater for a retryable failure."""
    with tenant_context(claimed.tenant_id):
        vat_return = VatReturn.objects.select_related("tenant").get(pk=claimed.return_id)
        body = hmrc_body(vat_return.period_key, vat_return.boxes)
        # The person who approved it started this: their device's facts, as captured at the approval.
        client = HmrcVatClient(vat_return.tenant, initiator=UserInitiated(vat_return.fraud_context or {}))
    if claimed.read_back_only:
        return _reconcile_duplicate(claimed, client, vat_return.vrn, vat_return.period_key, body)
    if claimed.read_back_first:
        settled = _reconcile_duplicate(claimed, client, vat_return.vrn, vat_return.period_key, body, absent_ok=True)
        if settled is not None:
            return settled
    try:
        receipt = client.submit_return(vat_return.vrn, body)
    except DuplicateSubmission:
        _note_duplicate(claimed)
        return _reconcile_duplicate(claimed, client, vat_return.vrn, vat_return.period_key, body)
    except RateLimited as exc:
        return _retry_later(claimed, exc, max(exc.retry_after or 0, backoff_seconds(claimed.attempt_number)))
    except ExternalServiceUnavailable as exc:
        if exc.code in NO_ANSWER:  # no reply: HMRC may have filed it; the next attempt reads back first
            return _retry_later(claimed, _Unclear(exc), backoff_seconds(claimed.attempt_number))
        return _retry_later(claimed, exc, backoff_seconds(claimed.attempt_number))
    except HmrcNotConnected as exc:
        release(claimed, exc, SubmissionAttempt.Outcome.NOT_CONNECTED, None)
        return "not_connected"
    except HmrcRejected as exc:
        reject(claimed, exc.code, exc.message, exc.errors)
        return "rejected"
    except Exception as exc:  # a lost connection, an unreadable reply: HMRC may have filed it
        return _retry_later(claimed, _Unclear(_Unexpected(exc)), backoff_seconds(claimed.attempt_number))
    record_receipt(claimed, receipt)
    return "submitted"


OUTCOME_UNCLEAR = "OUTCOME_UNCLEAR"
# Transport failures (apps.integrations.http): the request may have reached HMRC, the reply did not reach us.
NO_ANSWER = frozenset({"TIMEOUT", "CONNECTION_FAILED"})


class _Unclear(Exception):
    """A POST whose reply never came: recorded with ``OUTCOME_UNCLEAR``, so no later attempt POSTs blind."""

    code = OUTCOME_UNCLEAR

    def __init__(self, exc: BaseException) -> None:
        self.message = (
            f"{getattr(exc, 'message', '') or exc} HMRC may have received the return: Strongroom will read "
            "HMRC's copy back before sending it again, so it is never filed twice."
        )
        super().__init__(self.message)


class _Unexpected(Exception):
    def __init__(self, exc: BaseException) -> None:
        self.code = getattr(exc, "code", "") or exc.__class__.__name__
        self.message = (
            "Strongroom could not complete the exchange with HMRC "
            f"({getattr(exc, 'message', '') or exc.__class__.__name__})."
        )
        super().__init__(self.message)


def _retry_later(claimed: Claim, exc, countdown: float, *, outcome: str = "", message: str = "") -> str:
    """Back to approved with the next try scheduled; RetryLater while automatic attempts remain."""
    scheduled = release(claimed, exc, outcome or SubmissionAttempt.Outcome.RETRYABLE, countdown, message=message)
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


def _reconcile_duplicate(
    claimed: Claim, client, vrn: str, period_key: str, body: dict, *, absent_ok: bool = False
) -> str | None:
    """HMRC already has (or, after an unclear outcome, may have) a return for the period: read it back; same
    figures means it is ours. With ``absent_ok``, HMRC holding none answers None: the caller sends it.

    Never posts. Every way the read-back can fail is recorded and leaves the return approved (HMRC holds
    a return, so the figures must not go back to the user as a rejection), with the next read-back
    scheduled or, when a person must act first, nothing scheduled and a message saying what to do.
    """
    later = READ_BACK_FIRST_LATER if absent_ok else READ_BACK_LATER
    try:
        held = client.view_return(vrn, period_key)
    except ExternalServiceUnavailable as exc:  # includes rate limiting
        countdown = max(getattr(exc, "retry_after", None) or 0, backoff_seconds(claimed.attempt_number))
        return _retry_later(claimed, exc, countdown, message=later.format(reason=exc.message))
    except HmrcNotConnected as exc:
        release(claimed, exc, SubmissionAttempt.Outcome.NOT_CONNECTED, None, message=READ_BACK_NOT_CONNECTED)
        return "not_connected"
    except HmrcRejected as exc:
        if exc.code == "NOT_FOUND" and absent_ok:
            return None
        if exc.code == "NOT_FOUND":
            return _retry_later(claimed, exc, backoff_seconds(claimed.attempt_number), message=READ_BACK_NOT_PUBLISHED)
        release(
            claimed,
            exc,
            SubmissionAttempt.Outcome.NEEDS_PERSON,
            None,
            message=READ_BACK_REFUSED.format(reason=exc.message),
        )
        return "needs_person"
    except Exception as exc:  # a lost connection, a reply we cannot read: try again later
        unexpected = _Unexpected(exc)
        return _retry_later(
            claimed,
            unexpected,
            backoff_seconds(claimed.attempt_number),
            message=later.format(reason=unexpected.message),
        )
    differences = _differences(body, held)
    if differences:
        reject(
            claimed,
            "DUPLICATE_SUBMISSION",
            "HMRC already holds a different return for this period (filed outside Strongroom?). "
            "Nothing was sent; check with HMRC before correcting it.",
            [{"code": "DUPLICATE_SUBMISSION", "message": d} for d in differences],
        )
        return "rejected"
    with tenant_context(claimed.tenant_id):
        vat_return = VatReturn.objects.select_for_update().select_related("obligation").get(pk=claimed.return_id)
        settled = {"submitting_since": None, "last_error_code": "", "last_error_message": ""}
        if vat_return.status != ReturnStatus.SUBMITTED:
            first = {"submitted_at": timezone.now(), "reconciled_from_hmrc": not vat_return.form_bundle_number}
            move_return(vat_return, "reconcile", changes={**first, **settled})
        else:
            for name, value in settled.items():
                setattr(vat_return, name, value)
            vat_return.save()
        finish_attempt(
            claimed,
            SubmissionAttempt.Outcome.RECONCILED,
            code="DUPLICATE_SUBMISSION",
            message="HMRC already had this return with the same figures: recorded once, as submitted.",
        )
        mark_obligation_fulfilled(vat_return)
        refresh_overview(vat_return.obligation, vat_return)
        record_event(
            "filing.return.reconciled",
            tenant_id=vat_return.tenant_id,
            target=vat_return,
            actor_label="filing worker",
            after={"period_key": period_key, "figures_match": True},
        )
    metric("reconciled")
    return "reconciled"


READ_BACK_NOT_PUBLISHED = (
    "HMRC says it already holds this return but has not published its copy yet, so it cannot be compared. "
    "Strongroom will read it back again later; it will not send the return again."
)
READ_BACK_LATER = (
    "HMRC already holds a return for this period, but reading it back failed: {reason} "
    "Strongroom will read it back again later; it will not send the return again."
)
READ_BACK_FIRST_LATER = (
    "HMRC's reply to an earlier attempt never arrived, and checking whether HMRC has the return failed: {reason} "
    "Strongroom will check again later and send the return only if HMRC does not have it."
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
        # Approved and never tried: its first message was lost (issue #17; the outbox now makes this rare).
        | Q(return_status=ReturnStatus.APPROVED, next_attempt_at__isnull=True, attempts=0, approved_at__lt=now - LEASE)
        | Q(return_status=ReturnStatus.SUBMITTING, submitting_since__lt=now - LEASE),
        return_id__isnull=False,
        attempts__lt=MAX_AUTOMATIC_ATTEMPTS,
    )
    return [(str(t), str(r)) for t, r in due.values_list("tenant_id", "return_id")]
