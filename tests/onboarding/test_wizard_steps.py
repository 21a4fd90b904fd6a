"""The wizard's first steps through the pages: validation, resuming, revisiting, who may use it."""

from __future__ import annotations

import pytest

from apps.onboarding.models import KycStatus, OnboardingProgress, Step
from apps.tenancy.models import Role, Tenant
from tests.conftest import make_member
from tests.helpers import audit_events
from tests.onboarding.conftest import BUSINESS, COMPANY_NUMBER, progress_of

pytestmark = pytest.mark.django_db


def test_landing_starts_and_redirects_to_the_first_step(owner_client, url, new_business):
    response = owner_client.get(url("start"))
    assert response.status_code == 302 and response["Location"] == url("business")
    assert progress_of(new_business).current_step == Step.BUSINESS
    page = owner_client.get(url("business")).content.decode()
    assert 'aria-label="Set-up progress"' in page and 'aria-current="step"' in page


def test_business_details_saved_and_audited(owner_client, url, new_business):
    response = owner_client.post(url("business"), {**BUSINESS, "trading_name": "Brightwater", "postcode": "ls14ab"})
    assert response.status_code == 302 and response["Location"] == url("identifiers")
    progress = progress_of(new_business)
    assert progress.step_data(Step.BUSINESS)["postcode"] == "LS1 4AB"
    assert progress.current_step == Step.IDENTIFIERS
    new_business.refresh_from_db()
    assert new_business.name == "Brightwater"  # the trading name is what Strongroom shows
    [event] = audit_events(new_business.pk, action="onboarding.step.completed")
    assert '"step":"business"' in event.body


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"legal_name": ""}, "This field is required."),
        ({"postcode": "12345"}, "Enter a UK postcode"),
        ({"phone": "call me"}, "Enter a phone number"),
    ],
)
def test_business_details_errors_are_400_and_nothing_is_saved(owner_client, url, new_business, change, message):
    owner_client.get(url("start"))
    response = owner_client.post(url("business"), {**BUSINESS, **change})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not progress_of(new_business).is_completed(Step.BUSINESS)


@pytest.mark.parametrize(
    ("vat_number", "company_number", "message"),
    [
        (
            "GB 123 4567 28",
            COMPANY_NUMBER,
            "GB 123 4567 28 is not a valid UK VAT registration number: the check digits",
        ),
        ("12345", COMPANY_NUMBER, "is not a UK VAT registration number"),
        ("GB 123 4567 27", "1234", "is not a Companies House number"),
        ("GB 123 4567 27", "ABC12345", "is not a Companies House number"),
    ],
)
def test_identifier_errors(owner_client, url, new_business, advance, vat_number, company_number, message):
    advance(Step.IDENTIFIERS)
    response = owner_client.post(url("identifiers"), {"vat_number": vat_number, "company_number": company_number})
    assert response.status_code == 400
    assert message in response.content.decode()
    new_business.refresh_from_db()
    assert new_business.vat_number == "" and new_business.company_number == ""
    assert not progress_of(new_business).is_completed(Step.IDENTIFIERS)


@pytest.mark.parametrize("typed", ["GB 123 4567 27", "gb123456727", "123 456 727", "123-4567-27"])
def test_vrn_is_normalised(owner_client, url, new_business, advance, typed):
    advance(Step.IDENTIFIERS)
    response = owner_client.post(url("identifiers"), {"vat_number": typed, "company_number": " sc123456 "})
    assert response.status_code == 302 and response["Location"] == url("kyc")
    new_business.refresh_from_db()
    assert new_business.vat_number == "123456727" and new_business.company_number == "SC123456"


def test_steps_cannot_be_skipped(owner_client, url, new_business):
    owner_client.get(url("start"))
    for step in ("identifiers", "kyc", "hmrc", "vat", "team", "documents", "done"):
        response = owner_client.get(url(step))
        assert response.status_code == 302 and response["Location"] == url("business"), step
    response = owner_client.post(url("kyc-check"))
    assert response["Location"] == url("business")


def test_leaving_and_coming_back_resumes(client, owner, url, new_business, advance, verified_client):
    advance(Step.HMRC)
    client.logout()
    again = verified_client(owner)  # a new session
    response = again.get(url("start"))
    assert response["Location"] == url("hmrc")
    # Earlier steps stay open, with what was typed.
    page = again.get(url("business")).content.decode()
    assert "4 Mill Lane" in page and f'href="{url("identifiers")}"' in page


def test_revisiting_an_earlier_step_keeps_later_answers(owner_client, url, new_business, advance):
    advance(Step.TEAM)
    response = owner_client.post(url("business"), {**BUSINESS, "phone": "0113 496 0000"})
    assert response["Location"] == url("team")  # back to where they were
    progress = progress_of(new_business)
    assert progress.kyc_status == KycStatus.PASSED
    assert progress.step_data(Step.VAT)["stagger"] == "stagger_1"
    assert progress.step_data(Step.BUSINESS)["phone"] == "0113 496 0000"


def test_changing_the_checked_facts_sends_them_back_to_the_check_only(owner_client, url, new_business, advance):
    advance(Step.TEAM)
    response = owner_client.post(url("business"), {**BUSINESS, "legal_name": "Brightwater Carpentry Ltd"})
    assert response["Location"] == url("kyc")
    progress = progress_of(new_business)
    assert progress.kyc_status == KycStatus.PENDING and not progress.is_completed(Step.KYC)
    assert progress.is_completed(Step.VAT) and progress.is_completed(Step.HMRC)
    assert audit_events(new_business.pk, action="onboarding.kyc.reset")


def test_a_bookkeeper_cannot_run_onboarding(client, url, new_business, owner):
    bookkeeper = make_member(new_business, Role.BOOKKEEPER)
    client.force_login(bookkeeper)
    for name in ("start", "business"):
        response = client.get(url(name))
        assert response.status_code == 403
        assert "Only an owner of this business can set it up" in response.content.decode()
    assert client.post(url("business"), BUSINESS).status_code == 403
    with pytest.raises(OnboardingProgress.DoesNotExist):
        progress_of(new_business)


def test_another_businesss_user_gets_404(client, url, tenant_b, bookkeeper_b, new_business):
    owner_b = make_member(tenant_b, Role.OWNER)
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=owner_b, name="t", confirmed=True)
    client.force_login(owner_b)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    for name in ("start", "business", "kyc", "done"):
        assert client.get(url(name)).status_code == 404
    assert client.post(url("business"), BUSINESS).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, url):
    response = client.get(url("start"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_home_page_links_to_the_wizard_while_onboarding(owner_client, new_business, url):
    from django.urls import reverse

    home = owner_client.get(reverse("tenancy:home", kwargs={"tenant_slug": new_business.slug})).content.decode()
    assert f'href="{url("start")}"' in home
    Tenant.objects.filter(pk=new_business.pk).update(status=Tenant.Status.ACTIVE)
    home = owner_client.get(reverse("tenancy:home", kwargs={"tenant_slug": new_business.slug})).content.decode()
    assert url("start") not in home


def test_an_active_business_that_never_onboarded_does_not_start_the_wizard(verified_client, owner_a, tenant_a):
    from django.urls import reverse

    client = verified_client(owner_a)
    for name in ("start", "business", "done"):
        response = client.get(reverse(f"onboarding:{name}", kwargs={"tenant_slug": tenant_a.slug}))
        assert response["Location"] == reverse("tenancy:home", kwargs={"tenant_slug": tenant_a.slug})
    with pytest.raises(OnboardingProgress.DoesNotExist):
        progress_of(tenant_a)


def test_finishing_twice_changes_nothing(owner_client, url, new_business, advance):
    advance(Step.DONE)
    assert owner_client.post(url("finish"))["Location"] == url("done")
    first = progress_of(new_business).completed_at
    assert owner_client.post(url("finish"))["Location"] == url("done")
    assert progress_of(new_business).completed_at == first
    assert len(audit_events(new_business.pk, action="onboarding.progress.completed")) == 1


def test_business_details_are_sealed_at_rest_and_the_form_shows_them_again(owner_client, url, new_business):
    """Decision 0025: the answers are ciphertext in the table; the form round-trips them."""
    import secrets

    from django.db import connection

    from apps.tenancy.context import tenant_context

    street = f"{secrets.token_hex(4)} Mill Lane"
    answers = {**BUSINESS, "address_line_1": street, "phone": "0113 496 0000"}
    assert owner_client.post(url("business"), answers).status_code == 302
    with tenant_context(new_business), connection.cursor() as cursor:
        cursor.execute(
            "SELECT data FROM onboarding_onboardingprogress WHERE tenant_id = %s",
            [new_business.pk.hex if connection.vendor == "sqlite" else new_business.pk],
        )
        (stored,) = cursor.fetchone()
    assert bytes(stored)[0] == 1 and street.encode() not in bytes(stored) and b"0113" not in bytes(stored)
    page = owner_client.get(url("business")).content.decode()
    assert f'value="{street}"' in page and 'value="0113 496 0000"' in page
