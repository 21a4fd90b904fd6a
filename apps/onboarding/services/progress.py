"""Starting the wizard and saving each step. Every write locks the progress row, audits, and saves.

Callers (views) are inside the tenant's context and have checked that the
actor may run onboarding (``onboarding.run_wizard`` in apps/permissions/policy.py: an owner).
Completed steps stay completed when an earlier one is revisited, except that
changing the facts Companies House checked (legal name, company number)
sends the business back to the KYC step, keeping every later answer.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.audit.services import record_event
from apps.observability.metrics import ONBOARDING_COMPLETED, ONBOARDING_DURATION, ONBOARDING_STARTED, safely
from apps.onboarding.errors import KycNotPassed, OnboardingError, StepNotReady
from apps.onboarding.flow import can_open, first_incomplete
from apps.onboarding.kyc import names_match
from apps.onboarding.models import STEP_ORDER, KycStatus, OnboardingProgress, Step
from apps.onboarding.states import activate_tenant, move_kyc
from apps.tenancy.context import current_tenant_id
from apps.tenancy.errors import TenantContextError
from apps.tenancy.models import Tenant
from apps.tenancy.services import update_tenant_settings

# Steps that must be completed (not skipped) before the business becomes active.
REQUIRED_STEPS = (Step.BUSINESS, Step.IDENTIFIERS, Step.KYC, Step.HMRC, Step.VAT)
FINISHED_MESSAGE = "Set-up is finished. Change these details in Settings."


def _require_context(tenant: Tenant) -> None:
    if current_tenant_id() != tenant.pk:
        raise TenantContextError(f"onboarding of tenant {tenant.pk} outside its context")


def start_onboarding(*, tenant: Tenant, actor) -> OnboardingProgress:
    """The tenant's progress row, created (and audited, counted) the first time. Idempotent."""
    _require_context(tenant)
    existing = OnboardingProgress.objects.filter(tenant=tenant).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            progress = OnboardingProgress.objects.create(
                tenant=tenant, started_at=timezone.now(), started_by=actor, current_step=Step.BUSINESS
            )
            record_event(
                "onboarding.progress.started", actor=actor, tenant_id=tenant.pk, target=progress,
                after={"step": progress.current_step},
            )  # fmt: skip
    except IntegrityError:  # a second tab started it at the same moment
        return OnboardingProgress.objects.get(tenant=tenant)
    transaction.on_commit(lambda: safely(ONBOARDING_STARTED.inc))
    return progress


def locked_progress(tenant: Tenant, *, actor=None) -> OnboardingProgress:
    """The progress row, locked for this transaction (started first if it does not exist yet)."""
    _require_context(tenant)
    progress = OnboardingProgress.objects.select_for_update().filter(tenant=tenant).first()
    if progress is None:
        start_onboarding(tenant=tenant, actor=actor)
        progress = OnboardingProgress.objects.select_for_update().get(tenant=tenant)
    return progress


def require_open(progress: OnboardingProgress, step: str) -> None:
    if progress.is_finished:
        raise OnboardingError(FINISHED_MESSAGE)
    if not can_open(step, progress.completed_steps):
        resume = Step(first_incomplete(progress.completed_steps)).label
        raise StepNotReady(f"Finish “{resume}” first.")


def save_progress(progress: OnboardingProgress) -> None:
    progress.current_step = first_incomplete(progress.completed_steps)
    progress.save()


def complete_step(progress: OnboardingProgress, step: str, *, actor, data: dict | None = None, **extra) -> None:
    """Record a step's answers and completion time, move the resume point, and audit it."""
    if data is not None:
        progress.data = {**progress.data, step: data}
    progress.completed_steps = {**progress.completed_steps, step: timezone.now().isoformat()}
    save_progress(progress)
    record_event(
        "onboarding.step.completed", actor=actor, tenant_id=progress.tenant_id, target=progress,
        after=data or {}, extra={"step": step, "next_step": progress.current_step, **extra},
    )  # fmt: skip


def reset_kyc(progress: OnboardingProgress, *, actor, reason: str) -> None:
    """The facts Companies House checked changed: the check (and any staff review) must be redone."""
    if progress.kyc_status == KycStatus.PENDING and not progress.is_completed(Step.KYC):
        return
    before = {"kyc_status": progress.kyc_status}
    move_kyc(progress, "reset")
    progress.kyc_reasons = []
    progress.kyc_profile = {}
    progress.review_requested_at = None
    progress.review_requested_by = None
    progress.review_note = ""
    progress.review_decision = ""
    progress.review_decided_at = None
    progress.review_decided_by = None
    progress.review_decision_note = ""
    progress.completed_steps = {k: v for k, v in progress.completed_steps.items() if k != Step.KYC}
    save_progress(progress)
    record_event(
        "onboarding.kyc.reset", actor=actor, tenant_id=progress.tenant_id, target=progress,
        before=before, after={"kyc_status": KycStatus.PENDING}, extra={"reason": reason},
    )  # fmt: skip


def _update_tenant(tenant: Tenant, actor, data: dict) -> None:
    """Through the tenancy service (validated, audited); its ValidationError becomes a message."""
    try:
        updated = update_tenant_settings(tenant=tenant, actor=actor, data=data)
    except ValidationError as exc:
        raise OnboardingError(" ".join(exc.messages)) from exc
    for field in data:
        setattr(tenant, field, getattr(updated, field))


def save_business_details(*, tenant: Tenant, actor, details: dict) -> OnboardingProgress:
    """Step 1. ``details``: legal_name, trading_name, address_line_1, address_line_2, town, postcode, phone."""
    with transaction.atomic():
        progress = locked_progress(tenant, actor=actor)
        require_open(progress, Step.BUSINESS)
        previous = progress.step_data(Step.BUSINESS).get("legal_name", "")
        _update_tenant(tenant, actor, {"name": details.get("trading_name") or details["legal_name"]})
        complete_step(progress, Step.BUSINESS, actor=actor, data=dict(details))
        if previous and not names_match(previous, details["legal_name"]):
            reset_kyc(progress, actor=actor, reason="legal name changed")
    return progress


def save_identifiers(*, tenant: Tenant, actor, vat_number: str, company_number: str) -> OnboardingProgress:
    """Step 2: the (already normalised) VAT registration number and company number, kept on the tenant."""
    with transaction.atomic():
        progress = locked_progress(tenant, actor=actor)
        require_open(progress, Step.IDENTIFIERS)
        previous = progress.step_data(Step.IDENTIFIERS).get("company_number", "")
        _update_tenant(tenant, actor, {"vat_number": vat_number, "company_number": company_number})
        data = {"vat_number": vat_number, "company_number": company_number}
        complete_step(progress, Step.IDENTIFIERS, actor=actor, data=data)
        if previous and previous != company_number:
            reset_kyc(progress, actor=actor, reason="company number changed")
    return progress


def complete_hmrc_step(*, tenant: Tenant, actor, connected: bool) -> OnboardingProgress:
    """Step 4: only once the tenant is connected to HMRC (``connected`` comes from integrations' selector)."""
    with transaction.atomic():
        progress = locked_progress(tenant, actor=actor)
        require_open(progress, Step.HMRC)
        if not connected:
            raise OnboardingError("Connect to HMRC first: Strongroom files your VAT returns through that connection.")
        complete_step(progress, Step.HMRC, actor=actor, data={"connected": True})
    return progress


def complete_optional_step(*, tenant: Tenant, actor, step: str, data: dict, skipped: bool) -> OnboardingProgress:
    """Steps 6 and 7 (team, first document): done, or skipped with "I'll do this later"."""
    if step not in (Step.TEAM, Step.DOCUMENTS):
        raise OnboardingError("Only the team and document steps can be skipped.")
    with transaction.atomic():
        progress = locked_progress(tenant, actor=actor)
        require_open(progress, step)
        merged = {**progress.step_data(step), **data, "skipped": skipped}
        complete_step(progress, step, actor=actor, data=merged, skipped=skipped)
    return progress


def record_step_data(*, tenant: Tenant, actor, step: str, data: dict) -> OnboardingProgress:
    """Save answers to a step without completing it (an invitation sent, a document uploaded)."""
    with transaction.atomic():
        progress = locked_progress(tenant, actor=actor)
        require_open(progress, step)
        progress.data = {**progress.data, step: {**progress.step_data(step), **data}}
        save_progress(progress)
    return progress


def completion_blockers(progress: OnboardingProgress) -> list[str]:
    """What stands between this business and finishing, in words; empty when it can finish."""
    blockers = [f"“{Step(step).label}” is not finished." for step in STEP_ORDER
                if step != Step.DONE and not progress.is_completed(step)]  # fmt: skip
    if progress.kyc_status == KycStatus.STAFF_REVIEW:
        blockers.append("Strongroom staff are still reviewing your Companies House check.")
    elif progress.kyc_status != KycStatus.PASSED and progress.is_completed(Step.KYC):
        blockers.append("The Companies House check has not passed.")
    return blockers


def complete_onboarding(*, tenant: Tenant, actor) -> OnboardingProgress:
    """Make the business active and record how long set-up took. Idempotent once finished."""
    with transaction.atomic():
        progress = locked_progress(tenant, actor=actor)
        if progress.is_finished:
            return progress
        blockers = completion_blockers(progress)
        if blockers:
            error = KycNotPassed if progress.kyc_status != KycStatus.PASSED else StepNotReady
            raise error(" ".join(blockers))
        now = timezone.now()
        progress.completed_at = now
        progress.completed_steps = {**progress.completed_steps, Step.DONE: now.isoformat()}
        save_progress(progress)
        before_status = Tenant.objects.filter(pk=tenant.pk).values_list("status", flat=True).first()
        activate_tenant(tenant, changes={"updated_at": now})
        duration: timedelta = progress.duration
        record_event(
            "onboarding.progress.completed", actor=actor, tenant_id=tenant.pk, target=progress,
            before={"tenant_status": before_status}, after={"tenant_status": Tenant.Status.ACTIVE},
            extra={"duration_seconds": round(duration.total_seconds(), 1), "kyc_status": progress.kyc_status},
        )  # fmt: skip
        seconds = duration.total_seconds()
        transaction.on_commit(lambda: safely(ONBOARDING_COMPLETED.inc))
        transaction.on_commit(lambda: safely(lambda: ONBOARDING_DURATION.observe(seconds)))
    return progress
