"""What can be done to a period's VAT return now, and why not: one answer for the services and the period page.

Derived from the transition table (``apps/filing/states.py``) plus the
business guards on top of it: blockers, four-eyes approval, the HMRC
connection, a period moved before the first one, an attempt still in flight.
The services call :func:`require_action` and so refuse exactly what the page
does not offer. Role-agnostic: whether this person's role may prepare or
approve is asked by the views (``apps/filing/permissions.py``); only who
prepared the return matters here (four-eyes).

Actions: ``prepare`` (freeze the figures and send them for approval),
``approve`` (approve and queue the submission), ``return_to_draft`` (unfreeze;
after HMRC rejected it, "recompute"), ``send_now`` (a person's retry).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from apps.filing import calculation
from apps.filing.domain import ReturnStatus
from apps.filing.errors import ApprovalRefused, FilingError, ReturnNotReady
from apps.filing.models import VatObligation, VatReturn, VatSettings
from apps.filing.states import RETURN_STATES, ReturnStateError

# Blockers that do not stop the figures being frozen for approval (they stop the approval itself).
APPROVAL_ONLY_BLOCKERS = frozenset({"hmrc_not_connected"})

# action → the transition it makes
TRANSITION_OF: dict[str, str] = {
    "prepare": "send_for_approval",
    "approve": "approve",
    "return_to_draft": "return_to_draft",
    "send_now": "start_sending",
}


@dataclass(frozen=True)
class Action:
    """One action on the return: available, or not with the reason in plain words."""

    name: str
    available: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.available


@dataclass(frozen=True)
class Facts:
    """What the guards need besides the return; gathered once by the caller.

    ``blockers`` is None when the caller has not computed them (the services
    freeze the figures and meet the blockers there).
    """

    obligation: VatObligation
    settings: VatSettings | None = None
    actor_id: object = None
    blockers: Sequence[calculation.Blocker] | None = None
    now: datetime | None = None

    @property
    def four_eyes(self) -> bool:
        return bool(self.settings and self.settings.four_eyes)


def _status(vat_return: VatReturn | None) -> str:
    return vat_return.status if vat_return is not None else ReturnStatus.DRAFT


def _blocked(facts: Facts, *, ignore: frozenset[str] = frozenset()) -> FilingError | None:
    if not facts.blockers:
        return None
    found = [b for b in facts.blockers if b.code not in ignore]
    return ReturnNotReady(" ".join(b.message for b in found)) if found else None


def _guard(vat_return: VatReturn | None, name: str, facts: Facts) -> FilingError | None:
    """The business rule that refuses ``name`` although the status allows it, or None."""
    status = _status(vat_return)
    if name == "prepare":
        return _blocked(facts, ignore=APPROVAL_ONLY_BLOCKERS)
    if name == "approve":
        if status == ReturnStatus.AWAITING_APPROVAL:
            if facts.four_eyes and vat_return.prepared_by_id == facts.actor_id:
                return ApprovalRefused("Four-eyes approval is on: someone other than the preparer must approve.")
            if not calculation.hmrc_connected(facts.obligation):
                return ReturnNotReady("Connect Strongroom to HMRC (or renew the connection) to file.")
            if reason := calculation.first_period_blocker(facts.obligation, facts.settings):
                return ReturnNotReady(reason)  # the first period moved after these figures were frozen
            return None
        if facts.four_eyes:
            return ApprovalRefused("Four-eyes approval is on: send the return for approval first.")
        return _blocked(facts)
    if name == "send_now" and status == ReturnStatus.SUBMITTING:
        from apps.filing.services.submission import LEASE  # the lease is the submission's own rule

        since = vat_return.submitting_since
        if since is None or since >= (facts.now or timezone.now()) - LEASE:
            return ReturnStateError(_send_now_refusal(status))
    return None


def _send_now_refusal(status: str) -> str:
    return f"Only an approved return waiting to be sent can be retried; this one is {RETURN_STATES.label(status)}."


def _refusal(vat_return: VatReturn | None, name: str, facts: Facts) -> FilingError | None:
    transition = TRANSITION_OF[name]
    status = _status(vat_return)
    if not RETURN_STATES.allowed(status, transition):
        if name == "send_now":
            return ReturnStateError(_send_now_refusal(status))
        return ReturnStateError(RETURN_STATES.refusal(transition, status), extra={"action": name})
    return _guard(vat_return, name, facts)


def action(vat_return: VatReturn | None, name: str, facts: Facts) -> Action:
    refused = _refusal(vat_return, name, facts)
    return Action(name, refused is None, str(refused) if refused else "")


def available_actions(vat_return: VatReturn | None, facts: Facts) -> dict[str, Action]:
    """Every action by name, each available or not with the reason (no return yet counts as a draft)."""
    return {name: action(vat_return, name, facts) for name in TRANSITION_OF}


def require_action(vat_return: VatReturn | None, name: str, facts: Facts) -> str:
    """Raise the refusal (a ``FilingError``) unless ``name`` is available; returns the transition to make.

    ``vat_return`` should be the row locked for this transaction.
    """
    refused = _refusal(vat_return, name, facts)
    if refused is not None:
        raise refused
    return TRANSITION_OF[name]
