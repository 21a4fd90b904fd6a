"""Preparing, freezing and approving a VAT return.

A return's figures are computed from the ledger while it is a draft. Sending
it for approval (or approving it directly when four-eyes is off) freezes
them: the journal lines behind each box are claimed in ``VatReturnLine`` in
the same transaction, so a later posting cannot change them. The approver
confirms a fingerprint of the figures they saw, so nobody approves numbers
that changed under them.
"""

from __future__ import annotations

import hashlib
import json

from django.db import transaction
from django.utils import timezone

from apps.audit.privileged import privileged
from apps.audit.services import record_event
from apps.filing import calculation
from apps.filing.actions import APPROVAL_ONLY_BLOCKERS, Facts, require_action
from apps.filing.domain import FROZEN_STATUSES, ReturnStatus, VatBoxes
from apps.filing.errors import ApprovalRefused, ReturnNotReady
from apps.filing.models import VatObligation, VatReturn, VatReturnLine, VatSettings
from apps.filing.services.overview import refresh_overview
from apps.filing.states import move_return
from apps.ledger import selectors as ledger_selectors
from apps.outbox.models import Dependency
from apps.outbox.services import enqueue
from apps.permissions import require


def fingerprint(boxes: VatBoxes) -> str:
    """A short hash of the nine figures: the approval form carries it back."""
    # Two places for every box: a frozen whole-pound box reads back from the database as 100.00.
    data = json.dumps({k: f"{v:.2f}" for k, v in boxes.as_dict().items()}, sort_keys=True)
    return hashlib.sha256(data.encode()).hexdigest()[:16]


def figures_audit(boxes: VatBoxes) -> dict:
    return {k: str(v) for k, v in boxes.as_dict().items()}


def _settings(tenant_id) -> VatSettings | None:
    return VatSettings.objects.filter(tenant_id=tenant_id).first()


def _locked_return(obligation: VatObligation) -> VatReturn:
    """The period's return row, created as a draft if absent, locked for this transaction."""
    VatReturn.objects.get_or_create(
        tenant_id=obligation.tenant_id,
        idempotency_key=VatReturn.key_for(obligation.vrn, obligation.period_key),
        defaults={"obligation": obligation, "vrn": obligation.vrn, "period_key": obligation.period_key},
    )
    return VatReturn.objects.select_for_update().get(
        idempotency_key=VatReturn.key_for(obligation.vrn, obligation.period_key)
    )


def _freeze(vat_return: VatReturn, obligation: VatObligation, settings: VatSettings | None, *, ignore=frozenset()):
    # Read before the lines (decision 0034): every entry numbered up to it is committed, so the computation
    # below sees it; keep the lowest over re-freezes, because a line another return claimed meanwhile may be
    # released later and must then still be found as a late posting.
    through = ledger_selectors.last_journal_number()
    computation, _ = calculation.compute(obligation, settings)
    blockers = [b for b in calculation.blockers_for(obligation, computation.boxes, settings) if b.code not in ignore]
    if blockers:
        raise ReturnNotReady(" ".join(b.message for b in blockers))
    vat_return.lines.all().delete()
    VatReturnLine.objects.bulk_create(
        [
            VatReturnLine(
                tenant_id=vat_return.tenant_id,
                vat_return=vat_return,
                journal_line_id=c.line_id,
                box=c.box,
                amount=c.amount,
                is_adjustment=c.is_adjustment,
            )
            for c in computation.contributions
        ]
    )
    vat_return.set_boxes(computation.boxes)
    vat_return.computed_at = timezone.now()
    if vat_return.claimed_through is None or through < vat_return.claimed_through:
        vat_return.claimed_through = through
    return computation.boxes


SUBMIT_TASK = "filing.submit_vat_return"


def enqueue_submission(vat_return: VatReturn, *, effect: str, manual: bool = False) -> None:
    """The submission as an outbox row in the caller's transaction, waiting while HMRC's breaker is open."""
    kwargs = {"tenant_id": str(vat_return.tenant_id), "return_id": str(vat_return.pk)}
    if manual:
        kwargs["manual"] = True
    enqueue(SUBMIT_TASK, key=f"{SUBMIT_TASK}:{vat_return.pk}:{effect}", kwargs=kwargs,
            tenant_id=vat_return.tenant_id, dependency=Dependency.HMRC)  # fmt: skip


def send_for_approval(*, obligation: VatObligation, actor, expected_fingerprint: str) -> VatReturn:
    """Freeze the figures and wait for an approver (the four-eyes path)."""
    with transaction.atomic():
        vat_return = _locked_return(obligation)
        settings = _settings(obligation.tenant_id)
        transition = require_action(vat_return, "prepare", Facts(obligation, settings, actor.pk))
        boxes = _freeze(vat_return, obligation, settings, ignore=APPROVAL_ONLY_BLOCKERS)
        if fingerprint(boxes) != expected_fingerprint:
            raise ApprovalRefused("The figures changed since you opened the page: check them again.")
        move_return(vat_return, transition, changes={"prepared_by": actor, "prepared_at": timezone.now()})
        refresh_overview(obligation, vat_return)
        record_event(
            "filing.return.sent_for_approval",
            actor=actor,
            tenant_id=obligation.tenant_id,
            target=vat_return,
            after={"period_key": obligation.period_key, "figures": figures_audit(boxes)},
        )
    return vat_return


def return_to_draft(*, vat_return: VatReturn, actor, reason: str = "") -> VatReturn:
    """Unfreeze a return nobody has approved yet (or one HMRC rejected) so it can be recomputed."""
    with transaction.atomic():
        locked = VatReturn.objects.select_for_update().get(pk=vat_return.pk)
        transition = require_action(locked, "return_to_draft", Facts(locked.obligation, actor_id=actor.pk))
        before = locked.status
        locked.lines.all().delete()
        move_return(locked, transition, changes={"prepared_by": None, "prepared_at": None})
        refresh_overview(locked.obligation, locked)
        record_event(
            "filing.return.returned_to_draft",
            actor=actor,
            tenant_id=locked.tenant_id,
            target=locked,
            before={"status": before},
            after={"status": locked.status},
            extra={"reason": reason[:500]},
        )
    return locked


@privileged("filing.return.")
def approve_return(
    *, obligation: VatObligation, actor, declaration: bool, expected_fingerprint: str, fraud_context: dict
) -> VatReturn:
    """Approve with HMRC's declaration and queue the submission (exactly once, see submission.py).

    The submission is an outbox row committed with the approval (decision 0017): a Redis that is
    down, restarted or flushed delays the filing, never loses it.
    """
    require(actor, "filing.approve_return", obligation)  # a 2FA-verified owner or accountant
    if not declaration:
        raise ApprovalRefused(
            "Tick the declaration: HMRC only accepts a return its approver declares true and complete."
        )
    with transaction.atomic():
        vat_return = _locked_return(obligation)
        settings = _settings(obligation.tenant_id)
        # The status, four-eyes, and (for frozen figures) the connection and the first period; a draft's
        # blockers are met by freezing it below.
        transition = require_action(vat_return, "approve", Facts(obligation, settings, actor.pk))
        if vat_return.status == ReturnStatus.AWAITING_APPROVAL:
            boxes = vat_return.boxes
        else:
            boxes = _freeze(vat_return, obligation, settings)
            vat_return.prepared_by = actor
            vat_return.prepared_at = timezone.now()
        if fingerprint(boxes) != expected_fingerprint:
            raise ApprovalRefused("The figures changed since you opened the page: check them again.")
        # Sealed (decision 0025): set on the instance, so the whole-row save() after the guarded UPDATE seals it.
        vat_return.fraud_context = fraud_context
        move_return(vat_return, transition, changes={
            "approved_by": actor, "approved_at": timezone.now(), "declaration_accepted": True,
            "last_error_code": "", "last_error_message": "", "rejection_errors": [],
        })  # fmt: skip
        refresh_overview(obligation, vat_return)
        record_event(
            "filing.return.approved",
            actor=actor,
            tenant_id=obligation.tenant_id,
            target=vat_return,
            after={
                "period_key": obligation.period_key,
                "vrn": obligation.vrn,
                "figures": figures_audit(boxes),
                "declaration": True,
            },
        )
        enqueue_submission(vat_return, effect=f"approved:{vat_return.approved_at.isoformat()}")
    return vat_return


def retry_submission(*, vat_return: VatReturn, actor) -> VatReturn:
    """Send an approved return again after HMRC was unavailable or the connection was renewed.

    A person's retry may go one past the automatic attempts (the audit event says so); a return whose
    attempt died mid-flight (``submitting`` past its lease) can be retried too. When HMRC already holds
    the return, the attempt only reads it back.
    """
    from apps.filing.services.submission import automatic_attempts_left

    require(actor, "filing.submit_return", vat_return)  # a 2FA-verified owner or accountant
    with transaction.atomic():
        locked = VatReturn.objects.select_for_update().get(pk=vat_return.pk)
        require_action(locked, "send_now", Facts(locked.obligation, actor_id=actor.pk))
        record_event(
            "filing.return.retry_requested",
            actor=actor,
            tenant_id=locked.tenant_id,
            target=locked,
            extra={
                "attempts_so_far": locked.attempts,
                "beyond_automatic_attempts": not automatic_attempts_left(locked.attempts),
                "read_back_only": locked.hmrc_reported_duplicate_at is not None,
            },
        )
        # One "Send now" per attempt: a second click before the attempt is the same effect.
        enqueue_submission(locked, effect=f"send_now:{locked.attempts}", manual=True)
    return locked


__all__ = [
    "FROZEN_STATUSES",
    "approve_return",
    "fingerprint",
    "retry_submission",
    "return_to_draft",
    "send_for_approval",
]
