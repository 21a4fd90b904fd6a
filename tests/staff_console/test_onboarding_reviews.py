"""The staff review queue and decisions, and the SLO's durations selector."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.integrations.errors import ExternalServiceUnavailable
from apps.onboarding.models import KycStatus, OnboardingProgress, ReviewDecision, Step
from apps.onboarding.selectors import onboarding_durations, reviews_waiting
from apps.onboarding.services import kyc as kyc_services
from apps.tenancy.context import tenant_context
from tests.helpers import audit_actions, audit_events
from tests.onboarding.conftest import progress_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_review(advance, new_business, owner, companies_house, owner_client, url):
    advance(Step.KYC)
    companies_house.answer = ExternalServiceUnavailable(service="Companies House")
    owner_client.post(url("kyc-check"))
    owner_client.post(url("kyc-review"), {"note": "Renamed last month."})
    assert progress_of(new_business).kyc_status == KycStatus.STAFF_REVIEW
    return new_business


@pytest.fixture
def staff(staff_user):
    """A second browser, signed in as verified staff (the ``client`` fixture is the owner's)."""
    from django.test import Client
    from django_otp.plugins.otp_totp.models import TOTPDevice

    browser = Client()
    device = TOTPDevice.objects.create(user=staff_user, name="staff", confirmed=True)
    browser.force_login(staff_user)
    session = browser.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return browser


def test_queue_lists_the_businesses_waiting(in_review, staff, tenant_a):
    [item] = reviews_waiting()
    assert item.tenant_id == in_review.pk and item.note == "Renamed last month."
    assert item.declared_name == "Brightwater Joinery Ltd" and item.company_number == "09876543"
    assert "Companies House is not answering" in item.reasons[0] and item.attempts == 1
    page = staff.get(reverse("onboarding-staff:reviews")).content.decode()
    assert "Brightwater" in page and "Renamed last month." in page
    assert tenant_a.name not in page


def test_only_verified_staff_see_the_queue(in_review, client, owner):
    client.force_login(owner)
    response = client.get(reverse("onboarding-staff:reviews"))
    assert response.status_code in (302, 403)  # owner without a verified session: 2FA first; never the queue
    assert "Renamed last month." not in response.content.decode()


def test_a_bookkeeper_is_refused(in_review, client, bookkeeper_a):
    client.force_login(bookkeeper_a)
    assert client.get(reverse("onboarding-staff:reviews")).status_code == 403
    decide = reverse("onboarding-staff:review-decide", kwargs={"tenant_id": in_review.pk})
    assert client.post(decide, {"decision": "approve"}).status_code == 403
    assert progress_of(in_review).kyc_status == KycStatus.STAFF_REVIEW


def test_staff_approval_lets_the_owner_finish(in_review, staff, staff_user, advance, owner_client, url):
    decide = reverse("onboarding-staff:review-decide", kwargs={"tenant_id": in_review.pk})
    response = staff.post(decide, {"decision": "approve", "note": "Checked the certificate of incorporation."})
    assert response.status_code == 302
    progress = progress_of(in_review)
    assert progress.kyc_status == KycStatus.PASSED and progress.review_decision == ReviewDecision.APPROVED
    assert progress.review_decided_by == staff_user
    assert "onboarding.kyc.review_decided" in audit_actions(in_review.pk)
    assert "onboarding.kyc.review_decided" in audit_actions()  # platform chain
    assert reviews_waiting() == []

    advance(Step.DONE)
    assert owner_client.post(url("finish"))["Location"] == url("done")
    in_review.refresh_from_db()
    assert in_review.status == "active"


def test_rejection_needs_a_reason_and_sends_the_owner_back(in_review, staff, owner_client, url):
    decide = reverse("onboarding-staff:review-decide", kwargs={"tenant_id": in_review.pk})
    response = staff.post(decide, {"decision": "reject", "note": "no"})
    assert response.status_code == 400 and "at least 10 characters" in response.content.decode()
    assert progress_of(in_review).kyc_status == KycStatus.STAFF_REVIEW
    staff.post(decide, {"decision": "reject", "note": "The company number belongs to another business."})
    progress = progress_of(in_review)
    assert progress.kyc_status == KycStatus.FAILED and not progress.is_completed(Step.KYC)
    page = owner_client.get(url("kyc")).content.decode()
    assert "The company number belongs to another business." in page
    [event] = audit_events(in_review.pk, action="onboarding.kyc.review_decided")
    assert event.on_behalf_of == "Strongroom staff"


def test_deciding_twice_is_refused(in_review, staff_user):
    kyc_services.decide_staff_review(tenant=in_review, staff_user=staff_user, approve=True, note="")
    from apps.onboarding.errors import OnboardingError

    with pytest.raises(OnboardingError, match="not waiting"):
        kyc_services.decide_staff_review(tenant=in_review, staff_user=staff_user, approve=True, note="")


def test_onboarding_durations_for_the_slo(tenant_a, tenant_b, in_tenant):
    now = timezone.now()
    rows = [
        (tenant_a, now - timedelta(minutes=30), now - timedelta(minutes=22)),  # 8 minutes, finished recently
        (tenant_b, now - timedelta(days=3), now - timedelta(days=2)),  # finished before the window
    ]
    for tenant, started, completed in rows:
        with in_tenant(tenant):
            OnboardingProgress.objects.create(tenant=tenant, started_at=started, completed_at=completed)
    durations = onboarding_durations(now - timedelta(hours=1))
    assert durations == [timedelta(minutes=8)]
    assert sorted(onboarding_durations(now - timedelta(days=7))) == [timedelta(minutes=8), timedelta(days=1)]
    with tenant_context(tenant_a):
        assert OnboardingProgress.objects.count() == 1
