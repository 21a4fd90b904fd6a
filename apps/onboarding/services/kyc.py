"""Step 3: the Companies House check, its retry, and the staff review. Never silently skipped.

The call to Companies House happens before the progress row is locked: no
lock or transaction waits on another company's API. Every outcome (passed,
failed with its reasons, Companies House not answering) is saved and audited,
so the owner sees it again when they come back and staff see what was tried.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from apps.audit.services import record_event
from apps.integrations.errors import CompanyNotFound, ExternalServiceUnavailable, IntegrationError
from apps.onboarding import external
from apps.onboarding.errors import OnboardingError
from apps.onboarding.kyc import decide, profile_facts
from apps.onboarding.models import KycStatus, OnboardingProgress, ReviewDecision, Step
from apps.onboarding.services.progress import (
    complete_step,
    locked_progress,
    require_open,
    save_progress,
    start_onboarding,
)
from apps.onboarding.states import CHECK_TRANSITION, KYC_STATES, move_kyc
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Tenant

UNAVAILABLE_MESSAGE = (
    "Companies House is not answering at the moment, so we could not check your company. "
    "Try again in a few minutes, or send your details to Strongroom staff for review."
)
# Where staff review may be asked from: the table's answer (apps/onboarding/states.py).
REVIEWABLE = KYC_STATES.transition("request_review").sources


def _lookup(company_number: str, declared_name: str) -> tuple[str, list[str], dict]:
    """(status, reasons, Companies House facts) for one attempt."""
    try:
        profile = external.company_profile(company_number)
    except CompanyNotFound:
        return (
            KycStatus.FAILED,
            [f"Companies House has no company with the number {company_number}. "
             "Check the number in “VAT and company numbers” (it is on your certificate of incorporation)."],
            {},
        )  # fmt: skip
    except ExternalServiceUnavailable:  # RateLimited included: both are "try again later"
        return KycStatus.UNAVAILABLE, [UNAVAILABLE_MESSAGE], {}
    except IntegrationError as exc:  # e.g. our API key refused: not the owner's fault, not a failed check
        return KycStatus.UNAVAILABLE, [f"{exc.message} {UNAVAILABLE_MESSAGE}"], {}
    facts = profile_facts(profile)
    decision = decide(
        declared_name=declared_name, company_name=facts["company_name"] or "", company_status=facts["company_status"]
    )
    return (KycStatus.PASSED if decision.passed else KycStatus.FAILED), list(decision.reasons), facts


def run_kyc_check(*, tenant: Tenant, actor) -> OnboardingProgress:
    """Check the company number and legal name against Companies House; save and audit the outcome."""
    progress = start_onboarding(tenant=tenant, actor=actor)  # read without a lock: the call below is slow
    require_open(progress, Step.KYC)
    if progress.kyc_status == KycStatus.PASSED:
        return progress
    company_number = tenant.company_number
    declared_name = progress.step_data(Step.BUSINESS).get("legal_name", "")
    if not company_number or not declared_name:
        raise OnboardingError("Enter the legal name and the company number first.")
    status, reasons, facts = _lookup(company_number, declared_name)
    with transaction.atomic():
        progress = locked_progress(tenant, actor=actor)
        before = {"kyc_status": progress.kyc_status}
        if progress.kyc_status == KycStatus.STAFF_REVIEW and status != KycStatus.PASSED:
            status = KycStatus.STAFF_REVIEW  # a retry that fails again leaves the review request standing
        move_kyc(progress, CHECK_TRANSITION[status])
        progress.kyc_reasons = reasons
        progress.kyc_profile = facts
        progress.kyc_name_checked = declared_name
        progress.kyc_checked_at = timezone.now()
        progress.kyc_attempts += 1
        progress.review_decision = ""
        record_event(
            "onboarding.kyc.checked", actor=actor, tenant_id=tenant.pk, target=progress, before=before,
            after={"kyc_status": status, "reasons": reasons, "declared_name": declared_name,
                   "company_number": company_number, "companies_house": facts},
            extra={"attempt": progress.kyc_attempts},
        )  # fmt: skip
        if status == KycStatus.PASSED:
            result = {"company_name": facts.get("company_name"), "company_status": facts.get("company_status")}
            complete_step(progress, Step.KYC, actor=actor, data=result)
        elif status == KycStatus.STAFF_REVIEW:
            save_progress(progress)
        else:
            progress.completed_steps = {k: v for k, v in progress.completed_steps.items() if k != Step.KYC}
            save_progress(progress)
    return progress


def request_staff_review(*, tenant: Tenant, actor, note: str = "") -> OnboardingProgress:
    """The owner asks Strongroom staff to confirm the business by hand; they may carry on meanwhile.

    Finishing stays blocked until staff approve (``completion_blockers``).
    """
    with transaction.atomic():
        progress = locked_progress(tenant, actor=actor)
        require_open(progress, Step.KYC)
        if progress.kyc_status == KycStatus.STAFF_REVIEW:
            return progress
        KYC_STATES.check(progress, "request_review")
        before = {"kyc_status": progress.kyc_status}
        move_kyc(progress, "request_review")
        progress.review_requested_at = timezone.now()
        progress.review_requested_by = actor
        progress.review_note = note.strip()[:1000]
        progress.review_decision = ""
        progress.review_decided_at = None
        progress.review_decided_by = None
        progress.review_decision_note = ""
        record_event(
            "onboarding.kyc.review_requested", actor=actor, tenant_id=tenant.pk, target=progress, before=before,
            after={"kyc_status": KycStatus.STAFF_REVIEW, "note_chars": len(progress.review_note),
                   "reasons": progress.kyc_reasons},
        )  # fmt: skip
        complete_step(progress, Step.KYC, actor=actor, data={"sent_for_review": True}, kyc_status="staff_review")
    return progress


def decide_staff_review(*, tenant: Tenant, staff_user, approve: bool, note: str) -> OnboardingProgress:
    """A staff member's decision on a review request (the caller checked: staff with 2FA).

    Recorded in the business's own audit chain (its owners read it) and in the
    platform chain. A rejection sends the owner back to the check with the note.
    """
    note = note.strip()
    if not approve and len(note) < 10:
        raise OnboardingError("Say why the check is rejected (at least 10 characters): the owner will read it.")
    with tenant_context(tenant):
        progress = OnboardingProgress.objects.select_for_update().filter(tenant=tenant).first()
        if progress is None or progress.kyc_status != KycStatus.STAFF_REVIEW:
            raise OnboardingError("This business is not waiting for a staff review any more.")
        decision = ReviewDecision.APPROVED if approve else ReviewDecision.REJECTED
        progress.review_decision = decision
        progress.review_decided_at = timezone.now()
        progress.review_decided_by = staff_user
        progress.review_decision_note = note[:1000]
        if approve:
            move_kyc(progress, "staff_approve")
        else:
            move_kyc(progress, "staff_reject")
            progress.kyc_reasons = [f"Strongroom staff could not confirm the business: {note}"]
            progress.completed_steps = {k: v for k, v in progress.completed_steps.items() if k != Step.KYC}
        save_progress(progress)
        # The note itself is sealed on the progress row; the audit chain keeps only its length (decision 0025).
        facts = {"decision": decision, "note_chars": len(progress.review_decision_note)}
        record_event("onboarding.kyc.review_decided", actor=staff_user, tenant_id=tenant.pk, target=progress,
                     before={"kyc_status": KycStatus.STAFF_REVIEW}, after={"kyc_status": progress.kyc_status, **facts},
                     on_behalf_of="Strongroom staff")  # fmt: skip
    record_event("onboarding.kyc.review_decided", actor=staff_user, target=progress,
                 after={"tenant": tenant.slug, **facts})  # fmt: skip
    return progress
