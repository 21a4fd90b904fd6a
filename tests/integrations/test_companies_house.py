"""The Companies House client against the sandbox: profile, not found, faults, garbled answers."""

from __future__ import annotations

from datetime import date

import pytest

from apps.integrations import companies_house
from apps.integrations.companies_house import CompanyProfile, get_company_profile, parse_profile
from apps.integrations.errors import CompanyNotFound, ExternalServiceUnavailable, IntegrationError, RateLimited
from apps.sandbox.fixtures import DEMO_COMPANY_NAME, DEMO_COMPANY_NUMBER, DISSOLVED_COMPANY_NUMBER
from apps.sandbox.services.faults import set_fault
from tests.integrations.conftest import external_calls

pytestmark = pytest.mark.django_db


@pytest.fixture
def ch(sandbox_http, no_faults):
    return sandbox_http


def test_a_company_profile(ch):
    before = external_calls("companies_house", "company_profile", "ok")
    profile = get_company_profile(DEMO_COMPANY_NUMBER)
    assert isinstance(profile, CompanyProfile)
    assert profile.company_number == DEMO_COMPANY_NUMBER
    assert profile.company_name == DEMO_COMPANY_NAME
    assert profile.company_status == "active" and profile.is_active
    assert profile.company_type == "ltd"
    assert profile.date_of_creation == date(2016, 3, 14)
    assert profile.registered_office_address["postal_code"] == "GL5 3ZZ" and profile.postcode == "GL5 3ZZ"
    assert profile.sic_codes == ("16230", "43320")
    sent = ch.requests[-1]
    assert sent.headers["Authorization"].startswith("Basic ")
    import base64

    user, _, password = base64.b64decode(sent.headers["Authorization"][6:]).decode().partition(":")
    assert user == companies_house.api_key() and password == ""
    assert external_calls("companies_house", "company_profile", "ok") == before + 1


def test_a_dissolved_company_is_returned_as_such(ch):
    profile = get_company_profile(DISSOLVED_COMPANY_NUMBER)
    assert profile.company_status == "dissolved" and not profile.is_active


def test_numbers_are_normalised_before_asking(ch):
    assert get_company_profile(" 9876543 ").company_number == DEMO_COMPANY_NUMBER


def test_no_such_company(ch):
    before = external_calls("companies_house", "company_profile", "rejected")
    with pytest.raises(CompanyNotFound) as caught:
        get_company_profile("01234567")
    assert caught.value.company_number == "01234567"
    assert "01234567" in caught.value.message and not caught.value.retryable
    assert external_calls("companies_house", "company_profile", "rejected") == before + 1


def test_a_malformed_number_is_refused_without_asking(ch):
    with pytest.raises(CompanyNotFound) as caught:
        get_company_profile("ABC/../1")
    assert caught.value.code == "INVALID_COMPANY_NUMBER"
    assert ch.requests == []


def test_rate_limited(ch):
    set_fault("companies_house", rate_limited=True)
    with pytest.raises(RateLimited) as caught:
        get_company_profile(DEMO_COMPANY_NUMBER)
    assert caught.value.retryable
    assert caught.value.retry_after is not None and 0 < caught.value.retry_after <= 300  # from X-Ratelimit-Reset
    assert "Companies House" in caught.value.message


@pytest.mark.parametrize("fault", [{"outage": True}, {"error_rate": 1.0}])
def test_outages_and_server_errors_are_unavailable(ch, fault):
    set_fault("companies_house", **fault)
    with pytest.raises(ExternalServiceUnavailable) as caught:
        get_company_profile(DEMO_COMPANY_NUMBER)
    assert caught.value.retryable and not isinstance(caught.value, RateLimited)


def test_a_wrong_key_is_our_problem_not_the_users(ch, monkeypatch):
    from apps.integrations import http

    real_call = http.call
    monkeypatch.setattr(http, "call", lambda *a, **kw: real_call(*a, **{**kw, "auth": ("wrong-key", "")}))
    with pytest.raises(IntegrationError) as caught:
        get_company_profile(DEMO_COMPANY_NUMBER)
    assert caught.value.code == "CH_UNAUTHORISED" and not caught.value.retryable


def test_a_timeout(ch, settings):
    settings.EXTERNAL_READ_TIMEOUT = 0.05
    set_fault("companies_house", latency_ms=200)
    with pytest.raises(ExternalServiceUnavailable) as caught:
        get_company_profile(DEMO_COMPANY_NUMBER)
    assert caught.value.code == "TIMEOUT"


def test_unknown_members_are_ignored_and_missing_ones_default():
    profile = parse_profile(
        {"company_name": "Example Ltd", "brand_new_member": {"x": 1}, "date_of_creation": "not a date", "sic_codes": 5},
        "12345678",
    )
    assert profile == CompanyProfile("12345678", "Example Ltd", "", "", None, {})


@pytest.mark.parametrize("body", [None, [], {"company_number": "1"}, {"company_name": 3}])
def test_a_garbled_answer_is_unavailable(body):
    with pytest.raises(ExternalServiceUnavailable) as caught:
        parse_profile(body, "12345678")
    assert caught.value.code == "BAD_RESPONSE"


def test_no_key_outside_the_sandbox(settings, monkeypatch, tmp_path):
    from django.core.exceptions import ImproperlyConfigured

    from apps.security_center.secrets import use_provider
    from tests.security_center.secrets_helpers import local_provider

    monkeypatch.delenv("COMPANIES_HOUSE_API_KEY", raising=False)
    settings.SANDBOX_ENABLED = False
    with use_provider(local_provider(tmp_path)) as empty:  # nothing in the secrets backend
        with pytest.raises(ImproperlyConfigured, match="companies_house_api_key"):
            companies_house.api_key()
        empty.backend.write("companies_house_api_key", "from-the-secrets-backend")
        empty.forget()
        assert companies_house.api_key() == "from-the-secrets-backend"
        monkeypatch.setenv("COMPANIES_HOUSE_API_KEY", "from-the-environment")
        assert companies_house.api_key() == "from-the-environment"  # an injected variable still wins


def test_the_key_comes_from_the_secrets_provider(monkeypatch):
    from apps.security_center.secrets import get_provider

    monkeypatch.delenv("COMPANIES_HOUSE_API_KEY", raising=False)
    assert companies_house.api_key() == get_provider().get("companies_house_api_key")


def test_the_sandbox_key_is_derived_from_the_secret_key_when_the_backend_has_none(settings, monkeypatch, tmp_path):
    import hashlib
    import hmac

    from apps.security_center.secrets import use_provider
    from tests.security_center.secrets_helpers import local_provider

    monkeypatch.delenv("COMPANIES_HOUSE_API_KEY", raising=False)
    expected = hmac.new(settings.SECRET_KEY.encode(), b"companies-house-sandbox-key", hashlib.sha256).hexdigest()
    with use_provider(local_provider(tmp_path)):
        assert companies_house.api_key() == expected
