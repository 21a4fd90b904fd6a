"""The onboarding lifecycles as transition tables, and their writers.

Two columns move while a business sets up: the Companies House check on its
progress row (``OnboardingProgress.kyc_status``) and, once set-up finishes,
the business itself (``Tenant.status``, onboarding → active). ``move_kyc``
and ``activate_tenant`` are the only code that changes them (a test reads
``apps/`` to keep it so). The wizard's steps are answers, not a state
machine: ``current_step`` is derived from the completed steps each save.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apps.core.state_machine import InvalidTransition, StateMachine, Transition
from apps.onboarding.errors import OnboardingError
from apps.onboarding.models import KycStatus, OnboardingProgress
from apps.tenancy.models import Tenant

K = KycStatus
NOT_PASSED = [K.PENDING, K.FAILED, K.UNAVAILABLE]


class OnboardingStateError(InvalidTransition, OnboardingError):
    """An onboarding move refused by the current state (a 409; still an ``OnboardingError`` for the wizard)."""

    code = "onboarding_invalid_transition"


KYC_TRANSITIONS: dict[str, Transition] = {
    # The owner's check against Companies House (a passed check is not run again).
    "check_passed": Transition([*NOT_PASSED, K.STAFF_REVIEW], K.PASSED, "be checked again"),
    "check_failed": Transition(NOT_PASSED, K.FAILED, "be checked again"),
    "check_unavailable": Transition(NOT_PASSED, K.UNAVAILABLE, "be checked again"),
    # A retry that fails again while staff review it leaves the review request standing.
    "check_failed_in_review": Transition([K.STAFF_REVIEW], K.STAFF_REVIEW, "be checked again"),
    "request_review": Transition(
        [K.FAILED, K.UNAVAILABLE],
        K.STAFF_REVIEW,
        refusal="Run the Companies House check first; staff review is for a check that failed.",
    ),
    "staff_approve": Transition(
        [K.STAFF_REVIEW], K.PASSED, refusal="This business is not waiting for a staff review any more."
    ),
    "staff_reject": Transition(
        [K.STAFF_REVIEW], K.FAILED, refusal="This business is not waiting for a staff review any more."
    ),
    # The facts checked (legal name, company number) changed: check again.
    "reset": Transition(K.values, K.PENDING),
}

KYC_STATES = StateMachine(
    noun="Companies House check",
    field="kyc_status",
    transitions=KYC_TRANSITIONS,
    labels=dict(KycStatus.choices),
    error=OnboardingStateError,
)

# Outcome of a check → the transition that records it.
CHECK_TRANSITION = {
    K.PASSED: "check_passed",
    K.FAILED: "check_failed",
    K.UNAVAILABLE: "check_unavailable",
    K.STAFF_REVIEW: "check_failed_in_review",
}

T = Tenant.Status

TENANT_STATES = StateMachine(
    noun="business",
    field="status",
    transitions={"activate": Transition([T.ONBOARDING, T.ACTIVE], T.ACTIVE, "be activated")},
    labels=dict(Tenant.Status.choices),
    error=OnboardingStateError,
)


def move_kyc(progress: OnboardingProgress, transition: str, *, changes: Mapping[str, Any] | None = None):
    """The one writer of ``kyc_status``. The callers save the rest of the row afterwards (``save_progress``)."""
    return KYC_STATES.move(progress, transition, changes=changes)


def activate_tenant(tenant: Tenant, *, changes: Mapping[str, Any] | None = None) -> Tenant:
    """The one writer of ``Tenant.status`` in onboarding: set-up finished, the business is active."""
    return TENANT_STATES.move(tenant, "activate", changes=changes)
