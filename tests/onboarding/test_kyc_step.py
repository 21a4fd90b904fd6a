"""Step 3 through the pages: pass, each kind of failure, Companies House away, retry, staff review."""

from __future__ import annotations

import pytest

from apps.integrations.errors import CompanyNotFound, ExternalServiceUnavailable, RateLimited
from apps.onboarding.models import KycStatus, Step
from tests.helpers import audit_events
from tests.onboarding.conftest import COMPANY_NUMBER, FakeProfile, progress_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def at_kyc(advance):
    advance(Step.KYC)


def test_active_company_with_matching_name_passes(owner_client, url, new_business, at_kyc, companies_house):
    response = owner_client.post(url("kyc-check"))
    assert response.status_code == 302 and response["Location"] == url("hmrc")
    assert companies_house.calls == [COMPANY_NUMBER]
    progress = progress_of(new_business)
    assert progress.kyc_status == KycStatus.PASSED and progress.is_completed(Step.KYC)
    assert progress.kyc_profile["company_name"] == "BRIGHTWATER JOINERY LIMITED"
    assert progress.kyc_name_checked == "Brightwater Joinery Ltd" and progress.kyc_attempts == 1
    [event] = audit_events(new_business.pk, action="onboarding.kyc.checked")
    assert '"kyc_status":"passed"' in event.body and COMPANY_NUMBER in event.body
    page = owner_client.get(url("kyc")).content.decode()
    assert "Check passed" in page


def _fails_with(owner_client, url, new_business, *expected: str):
    response = owner_client.post(url("kyc-check"))
    assert response.status_code == 302 and response["Location"] == url("kyc")
    page = owner_client.get(url("kyc")).content.decode()
    for text in expected:
        assert text in page
    # Not passed: the next step stays closed, and the failure is recorded and audited.
    progress = progress_of(new_business)
    assert not progress.is_completed(Step.KYC)
    assert owner_client.get(url("hmrc"))["Location"] == url("kyc")
    assert audit_events(new_business.pk, action="onboarding.kyc.checked")
    return progress, page


def test_dissolved_company_fails_and_says_why(owner_client, url, new_business, at_kyc, companies_house):
    companies_house.answer = FakeProfile(company_name="Brightwater Joinery Ltd", company_status="dissolved")
    progress, page = _fails_with(owner_client, url, new_business, "The check did not pass", "as dissolved, not active")
    assert progress.kyc_status == KycStatus.FAILED
    assert "Send for staff review" in page and "Retry the check" in page


def test_name_mismatch_shows_both_names(owner_client, url, new_business, at_kyc, companies_house):
    companies_house.answer = FakeProfile(company_name="BRIGHTWATER CARPENTRY LIMITED")
    progress, page = _fails_with(owner_client, url, new_business, "differs from the name at Companies House")
    assert "Brightwater Joinery Ltd" in page and "BRIGHTWATER CARPENTRY LIMITED" in page
    assert progress.kyc_status == KycStatus.FAILED


def test_company_not_found(owner_client, url, new_business, at_kyc, companies_house):
    companies_house.answer = CompanyNotFound(company_number=COMPANY_NUMBER)
    progress, _ = _fails_with(
        owner_client, url, new_business, f"Companies House has no company with the number {COMPANY_NUMBER}"
    )
    assert progress.kyc_status == KycStatus.FAILED and progress.kyc_profile == {}


@pytest.mark.parametrize("error", [ExternalServiceUnavailable(service="Companies House"), RateLimited(retry_after=30)])
def test_companies_house_away_is_said_plainly_and_can_be_retried(
    owner_client, url, new_business, at_kyc, companies_house, error
):
    companies_house.answer = error
    progress, _ = _fails_with(owner_client, url, new_business, "Companies House is not answering", "Retry the check")
    assert progress.kyc_status == KycStatus.UNAVAILABLE
    companies_house.answer = FakeProfile()
    assert owner_client.post(url("kyc-check"))["Location"] == url("hmrc")
    progress = progress_of(new_business)
    assert progress.kyc_status == KycStatus.PASSED and progress.kyc_attempts == 2
    assert len(audit_events(new_business.pk, action="onboarding.kyc.checked")) == 2


def test_staff_review_lets_them_carry_on_but_not_finish(
    owner_client, url, new_business, at_kyc, companies_house, advance
):
    companies_house.answer = ExternalServiceUnavailable(service="Companies House")
    owner_client.post(url("kyc-check"))
    response = owner_client.post(url("kyc-review"), {"note": "We renamed the company in May."})
    assert response.status_code == 302 and response["Location"] == url("hmrc")
    progress = progress_of(new_business)
    assert progress.kyc_status == KycStatus.STAFF_REVIEW and progress.review_note == "We renamed the company in May."
    assert progress.review_requested_at is not None
    assert audit_events(new_business.pk, action="onboarding.kyc.review_requested")
    assert "Waiting for Strongroom staff" in owner_client.get(url("kyc")).content.decode()

    advance(Step.DONE)  # every other step answered
    page = owner_client.get(url("done")).content.decode()
    assert "still reviewing your Companies House check" in page
    response = owner_client.post(url("finish"))
    assert response.status_code == 400
    new_business.refresh_from_db()
    assert new_business.status == "onboarding" and progress_of(new_business).completed_at is None


def test_review_cannot_be_requested_before_a_check(owner_client, url, new_business, at_kyc):
    response = owner_client.post(url("kyc-review"), {"note": ""})
    assert response.status_code == 400
    assert "Run the Companies House check first" in response.content.decode()
    assert progress_of(new_business).kyc_status == KycStatus.PENDING


def test_a_passed_check_is_not_repeated(owner_client, url, new_business, at_kyc, companies_house):
    owner_client.post(url("kyc-check"))
    owner_client.post(url("kyc-check"))
    assert companies_house.calls == [COMPANY_NUMBER]
