"""The onboarding progress services at their edges: context, finished wizard, order, KYC resets, skips."""

from __future__ import annotations

import pytest
from django.utils import timezone

from apps.onboarding.errors import OnboardingError, StepNotReady
from apps.onboarding.models import KycStatus, OnboardingProgress, Step
from apps.onboarding.services import progress as svc
from apps.tenancy.errors import TenantContextError
from tests.factories import TenantFactory

pytestmark = pytest.mark.django_db
DETAILS = {"legal_name": "Brightwater Joinery Ltd", "trading_name": "", "address_line_1": "1 Quay St",
           "address_line_2": "", "town": "Leeds", "postcode": "LS1 4AB", "phone": ""}  # fmt: skip


def test_writes_outside_the_tenant_are_refused(new_business, owner, in_tenant):
    other = TenantFactory()
    with in_tenant(other), pytest.raises(TenantContextError):
        svc.locked_progress(new_business, actor=owner)


def test_locked_progress_starts_the_wizard_when_needed(new_business, owner, in_tenant):
    with in_tenant(new_business):
        progress = svc.locked_progress(new_business, actor=owner)
        assert progress.current_step == Step.BUSINESS
        assert OnboardingProgress.objects.count() == 1


def test_steps_open_in_order_and_not_after_the_end(new_business, owner, in_tenant):
    with in_tenant(new_business):
        with pytest.raises(StepNotReady, match="first"):
            svc.save_identifiers(tenant=new_business, actor=owner, vat_number="123456727", company_number="09876543")
        svc.save_business_details(tenant=new_business, actor=owner, details=DETAILS)
        OnboardingProgress.objects.update(completed_at=timezone.now())
        with pytest.raises(OnboardingError, match="Set-up is finished"):
            svc.save_business_details(tenant=new_business, actor=owner, details=DETAILS)


def test_changing_the_legal_name_or_company_number_resets_a_finished_kyc(new_business, owner, in_tenant):
    with in_tenant(new_business):
        svc.save_business_details(tenant=new_business, actor=owner, details=DETAILS)
        svc.save_identifiers(tenant=new_business, actor=owner, vat_number="123456727", company_number="09876543")
        progress = OnboardingProgress.objects.get()
        svc.complete_step(progress, Step.KYC, actor=owner)
        OnboardingProgress.objects.update(kyc_status=KycStatus.PASSED)
        svc.save_business_details(tenant=new_business, actor=owner, details={**DETAILS, "legal_name": "Other Name Ltd"})
        assert OnboardingProgress.objects.get().kyc_status == KycStatus.PENDING
        progress = OnboardingProgress.objects.get()
        svc.complete_step(progress, Step.KYC, actor=owner)
        OnboardingProgress.objects.update(kyc_status=KycStatus.PASSED)
        svc.save_identifiers(tenant=new_business, actor=owner, vat_number="123456727", company_number="07654321")
        assert OnboardingProgress.objects.get().kyc_status == KycStatus.PENDING


def test_hmrc_step_needs_a_connection_and_only_team_and_documents_can_be_skipped(new_business, owner, in_tenant):
    with in_tenant(new_business):
        svc.save_business_details(tenant=new_business, actor=owner, details=DETAILS)
        svc.save_identifiers(tenant=new_business, actor=owner, vat_number="123456727", company_number="09876543")
        progress = OnboardingProgress.objects.get()
        svc.complete_step(progress, Step.KYC, actor=owner)
        with pytest.raises(OnboardingError, match="Connect to HMRC first"):
            svc.complete_hmrc_step(tenant=new_business, actor=owner, connected=False)
        with pytest.raises(OnboardingError, match="Only the team and document steps"):
            svc.complete_optional_step(tenant=new_business, actor=owner, step=Step.KYC, data={}, skipped=True)


def test_completion_lists_what_is_missing(new_business, owner, in_tenant):
    with in_tenant(new_business):
        progress = svc.locked_progress(new_business, actor=owner)
        progress.kyc_status = KycStatus.STAFF_REVIEW
        assert "still reviewing" in " ".join(svc.completion_blockers(progress))
        progress.kyc_status = KycStatus.FAILED
        progress.completed_steps = {Step.KYC: "2026-11-28T08:00:00+00:00"}
        assert "has not passed" in " ".join(svc.completion_blockers(progress))
