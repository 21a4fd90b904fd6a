"""Every (state, transition) pair of the Companies House check's table and of the business's activation."""

from __future__ import annotations

import pytest

from apps.onboarding.errors import OnboardingError
from apps.onboarding.models import KycStatus, OnboardingProgress
from apps.onboarding.states import KYC_STATES, TENANT_STATES, OnboardingStateError, activate_tenant, move_kyc
from apps.tenancy.models import Tenant
from tests.core.tables import enumerate_table
from tests.factories import OnboardingProgressFactory

pytestmark = pytest.mark.django_db


def test_the_kyc_table_moves_exactly_the_allowed_pairs(tenant_a, in_tenant):
    with in_tenant(tenant_a):
        progress = OnboardingProgressFactory(tenant=tenant_a)

        def row_in(state: str) -> OnboardingProgress:
            OnboardingProgress.objects.filter(pk=progress.pk).update(kyc_status=state)  # one row per business
            return OnboardingProgress.objects.get(pk=progress.pk)

        wrong = enumerate_table(KYC_STATES, row_in, lambda row, name: move_kyc(row, name))
    assert wrong == []


def test_the_activation_table_moves_exactly_the_allowed_pairs(tenant_a):
    def row_in(state: str) -> Tenant:
        Tenant.objects.filter(pk=tenant_a.pk).update(status=state)
        return Tenant.objects.get(pk=tenant_a.pk)

    def move(row: Tenant, name: str) -> Tenant:
        assert name == "activate"
        return activate_tenant(row)

    assert enumerate_table(TENANT_STATES, row_in, move) == []


def test_a_suspended_business_is_not_activated_by_finishing_set_up(tenant_a):
    Tenant.objects.filter(pk=tenant_a.pk).update(status=Tenant.Status.SUSPENDED)
    tenant_a.refresh_from_db()
    with pytest.raises(OnboardingStateError) as refused:
        activate_tenant(tenant_a)
    assert isinstance(refused.value, OnboardingError)
    assert Tenant.objects.get(pk=tenant_a.pk).status == Tenant.Status.SUSPENDED


def test_staff_review_is_only_asked_for_a_check_that_failed(tenant_a, in_tenant):
    with in_tenant(tenant_a):
        progress = OnboardingProgressFactory(tenant=tenant_a, kyc_status=KycStatus.PENDING)
        with pytest.raises(OnboardingStateError, match="staff review is for a check that failed"):
            move_kyc(progress, "request_review")
