"""The wizard against the real integrations clients and the local sandbox (in-process HTTP, ``sandbox_http``).

The same path the embedded demo takes: Companies House and HMRC are the
sandbox apps, reached over the integrations clients' HTTP session.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.onboarding.models import KycStatus, Step
from apps.sandbox.fixtures import (
    DEMO_COMPANY_NAME,
    DEMO_COMPANY_NUMBER,
    DEMO_VRN,
    DISSOLVED_COMPANY_NAME,
    DISSOLVED_COMPANY_NUMBER,
)
from apps.sandbox.services.faults import clear_faults, set_fault
from apps.tenancy.models import Tenant
from tests.accounts.helpers import totp_code
from tests.fph import FORM
from tests.helpers import audit_actions
from tests.integrations.hmrc_helpers import grant_at_sandbox
from tests.onboarding.conftest import BUSINESS, progress_of, vat_period_start

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_faults(db):
    clear_faults()
    yield
    clear_faults()


def _to_kyc(client, url, *, legal_name: str, company_number: str) -> None:
    client.get(url("start"))
    assert client.post(url("business"), {**BUSINESS, "legal_name": legal_name}).status_code == 302
    response = client.post(url("identifiers"), {"vat_number": DEMO_VRN, "company_number": company_number})
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("legal_name", "company_number", "status", "says"),
    [
        ("Brightwater Joinery Limited", DEMO_COMPANY_NUMBER, KycStatus.PASSED, "Check passed"),
        (DISSOLVED_COMPANY_NAME, DISSOLVED_COMPANY_NUMBER, KycStatus.FAILED, "as dissolved, not active"),
        ("Brightwater Carpentry Ltd", DEMO_COMPANY_NUMBER, KycStatus.FAILED, DEMO_COMPANY_NAME),
        ("Nobody Trading Ltd", "01234567", KycStatus.FAILED, "Companies House has no company with the number 01234567"),
    ],
)
def test_kyc_against_the_companies_house_sandbox(
    sandbox_http, owner_client, url, new_business, legal_name, company_number, status, says
):
    _to_kyc(owner_client, url, legal_name=legal_name, company_number=company_number)
    owner_client.post(url("kyc-check"))
    progress = progress_of(new_business)
    assert progress.kyc_status == status, progress.kyc_reasons
    assert says in owner_client.get(url("kyc")).content.decode()
    assert any("/sandbox/companies-house/company/" in r.url for r in sandbox_http.requests)


def test_companies_house_outage_then_retry(sandbox_http, owner_client, url, new_business):
    _to_kyc(owner_client, url, legal_name=DEMO_COMPANY_NAME, company_number=DEMO_COMPANY_NUMBER)
    set_fault("companies_house", outage=True)
    owner_client.post(url("kyc-check"))
    assert progress_of(new_business).kyc_status == KycStatus.UNAVAILABLE
    page = owner_client.get(url("kyc")).content.decode()
    assert "Companies House is not answering" in page and "Retry the check" in page
    clear_faults("companies_house")
    assert owner_client.post(url("kyc-check"))["Location"] == url("hmrc")
    assert progress_of(new_business).kyc_status == KycStatus.PASSED


def test_companies_house_rate_limit_is_also_not_answering(sandbox_http, owner_client, url, new_business):
    _to_kyc(owner_client, url, legal_name=DEMO_COMPANY_NAME, company_number=DEMO_COMPANY_NUMBER)
    set_fault("companies_house", rate_limited=True)
    owner_client.post(url("kyc-check"))
    assert progress_of(new_business).kyc_status == KycStatus.UNAVAILABLE


def test_a_new_owner_signs_up_and_onboards_end_to_end(sandbox_http, client, django_capture_on_commit_callbacks):
    """Sign-up → 2FA enrolment → every wizard step with the sandbox's Companies House and HMRC → active."""
    cache.clear()
    response = client.post(reverse("signup:signup"), {
        "full_name": "Olive Owner", "email": "olive@example.test", "password": "walnut cabinet drawer 42",
        "business_name": "Brightwater",
    })  # fmt: skip
    enrol = response["Location"]
    assert client.get(enrol).status_code == 200  # the authenticator set-up page (creates the pending device)
    device = TOTPDevice.objects.get(user__email="olive@example.test")
    response = client.post(enrol, {"otp_token": totp_code(device)})
    assert response.status_code == 302  # to the backup codes, then on to the wizard
    codes_page = client.get(response["Location"]).content.decode()
    tenant = Tenant.objects.get(name="Brightwater")
    wizard = reverse("onboarding:start", kwargs={"tenant_slug": tenant.slug})
    assert f'href="{wizard}"' in codes_page

    def url(name: str) -> str:
        return reverse(f"onboarding:{name}", kwargs={"tenant_slug": tenant.slug})

    assert client.get(wizard)["Location"] == url("business")
    _to_kyc(client, url, legal_name="BRIGHTWATER JOINERY LIMITED", company_number=DEMO_COMPANY_NUMBER)
    assert client.post(url("kyc-check"))["Location"] == url("hmrc")

    # HMRC: blocked until connected; the button goes to HMRC (the sandbox) and comes back to this step.
    assert client.post(url("hmrc-continue")).status_code == 400
    page = client.get(url("hmrc")).content.decode()
    [connect] = [a.split('"', 1)[0] for a in page.split('action="')[1:] if "/integrations/hmrc/connect/" in a]
    connect = connect.replace("&amp;", "&")
    started = client.post(connect, FORM)
    answer = grant_at_sandbox(started["Location"], vrn=DEMO_VRN)
    callback = client.get(reverse("integrations:hmrc-callback", kwargs={"tenant_slug": tenant.slug}), answer)
    assert urlsplit(callback["Location"]).path == url("hmrc")
    assert "Connected to HMRC" in client.get(url("hmrc")).content.decode()
    assert client.post(url("hmrc-continue"))["Location"] == url("vat")

    form = {"scheme": "standard", "stagger": "stagger_1", "first_period_start": vat_period_start().isoformat()}
    response = client.post(url("vat"), {**form, **FORM})
    assert response["Location"] == url("team")
    vat = progress_of(tenant).step_data(Step.VAT)
    assert vat["obligations_synced"] is True, vat

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("team-invite"), {"email": "bea@example.test", "role": "bookkeeper"})
    assert client.post(url("team-continue"))["Location"] == url("documents")
    assert client.post(url("documents-skip"))["Location"] == url("done")

    tenant.refresh_from_db()
    progress = progress_of(tenant)
    assert tenant.status == Tenant.Status.ACTIVE and progress.completed_at is not None
    assert "is set up" in client.get(url("done")).content.decode()
    actions = audit_actions(tenant.pk)
    expected = ["onboarding.user.signed_up", "onboarding.kyc.checked", "integrations.hmrc.connected",
                "filing.vat_settings.saved", "tenancy.invitation.created", "onboarding.progress.completed"]  # fmt: skip
    assert [a for a in expected if a not in actions] == []
