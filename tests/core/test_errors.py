"""One error model: every app's errors are ApplicationErrors with their own code and an HTTP error status,
mapped once for pages (the error page, rolled back) and once for the API (one JSON shape, rolled back)."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from django.test import Client

import apps
from apps.core.errors import ApplicationError
from apps.tenancy.models import Membership
from apps.tenancy.services import create_api_token

# Errors defined beside the code that raises them, outside an app's errors module.
ERRORS_ELSEWHERE = (
    "apps.integrations.hmrc.initiator",
    "apps.integrations.hmrc.vat_client",
    "apps.ledger.services.bank",
)


def all_application_errors() -> list[type[ApplicationError]]:
    for app in pkgutil.iter_modules(apps.__path__):
        try:
            importlib.import_module(f"apps.{app.name}.errors")
        except ModuleNotFoundError as exc:
            if exc.name != f"apps.{app.name}.errors":
                raise
    for name in ERRORS_ELSEWHERE:
        importlib.import_module(name)
    found, todo = [], [ApplicationError]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub.__module__.startswith("apps.") and sub not in found:
                found.append(sub)
                todo.append(sub)
    return found


def test_every_app_error_base_is_an_application_error():
    from apps.accounts.errors import TwoFactorError
    from apps.documents.errors import DocumentError, UploadRejected
    from apps.filing.errors import FilingError
    from apps.integrations.errors import IntegrationError
    from apps.ledger.errors import LedgerError
    from apps.onboarding.errors import OnboardingError
    from apps.tenancy.errors import TenancyError

    bases = (TwoFactorError, DocumentError, UploadRejected, FilingError, IntegrationError, LedgerError,
             OnboardingError, TenancyError)  # fmt: skip
    assert all(issubclass(base, ApplicationError) for base in bases)
    assert set(bases) <= set(all_application_errors())


def test_every_application_error_has_its_own_unique_code_and_an_error_status():
    errors = all_application_errors()
    assert len(errors) > 40, "the discovery found the apps' errors"
    codes: dict[str, type] = {}
    for error in errors:
        assert "code" in error.__dict__, f"{error.__qualname__} needs a code of its own"
        assert 400 <= error.status < 600, error
        clash = codes.setdefault(error.code.lower(), error)
        assert clash is error, f"{error.__qualname__} and {clash.__qualname__} share the code {error.code!r}"


def test_statuses_say_what_kind_of_refusal_it_was():
    from apps.documents.errors import DuplicateUpload, FileTooLarge
    from apps.filing.errors import ReturnFrozen
    from apps.integrations import errors as integration
    from apps.ledger.errors import ReversalError, UnbalancedEntryError
    from apps.tenancy.errors import LastOwnerError

    assert ReturnFrozen.status == 423
    assert (LastOwnerError.status, ReversalError.status, DuplicateUpload.status) == (409, 409, 409)
    assert integration.ExternalServiceUnavailable.status == integration.RateLimited.status == 503
    assert integration.HmrcNotConnected.status == 409 and integration.CompanyNotFound.status == 404
    assert UnbalancedEntryError.status == FileTooLarge.status == 400
    assert integration.RateLimited(retry_after=12).retry_after == 12


def test_an_integration_error_keeps_the_outside_services_code_and_status_apart_from_ours():
    from apps.integrations.errors import HmrcRejected, IntegrationError

    rejected = HmrcRejected(code="VRN_INVALID", status=400)
    assert (rejected.code, rejected.hmrc_status, rejected.status) == ("VRN_INVALID", 400, 422)
    assert rejected.message == "HMRC did not accept the VAT registration number."
    assert IntegrationError().code == "INTEGRATION_ERROR" and str(IntegrationError("Down.")) == "Down."


# --- the page mapping ---------------------------------------------------------------------------


@pytest.fixture
def member_client(bookkeeper_a):
    client = Client(raise_request_exception=False)
    client.force_login(bookkeeper_a)
    return client


def name_of(tenant) -> str:
    tenant.refresh_from_db()
    return tenant.name


@pytest.mark.django_db
@pytest.mark.urls("tests.core.urls")
def test_a_page_that_raises_gets_the_error_page_with_the_status_and_message_and_writes_nothing(member_client, tenant_a):
    response = member_client.get(f"/t/{tenant_a.slug}/refuse/locked/")
    assert response.status_code == 423
    page = response.content.decode()
    assert "Error 423" in page and "The VAT period is filed: its figures cannot change." in page
    assert name_of(tenant_a) == "Aldgate Joinery Ltd"


@pytest.mark.django_db
@pytest.mark.urls("tests.core.urls")
def test_a_page_refusal_with_its_own_template_and_a_retry_after(member_client, tenant_a):
    response = member_client.get(f"/t/{tenant_a.slug}/refuse/rate_limited/")
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert "HMRC is receiving too many requests from us just now." in response.content.decode()
    forbidden = member_client.get(f"/t/{tenant_a.slug}/refuse/plain/")
    assert forbidden.status_code == 400 and "That could not be done here." in forbidden.content.decode()
    assert name_of(tenant_a) == "Aldgate Joinery Ltd"


@pytest.mark.django_db
@pytest.mark.urls("tests.core.urls")
def test_an_htmx_request_gets_a_fragment_for_the_message_region(member_client, tenant_a):
    response = member_client.get(f"/t/{tenant_a.slug}/refuse/locked/", HTTP_HX_REQUEST="true")
    assert response.status_code == 423
    body = response.content.decode()
    assert "<html" not in body and "The VAT period is filed" in body
    assert response["HX-Retarget"] == "#messages-alert" and response["HX-Reswap"] == "innerHTML"
    assert name_of(tenant_a) == "Aldgate Joinery Ltd"


# --- the API mapping ----------------------------------------------------------------------------


@pytest.fixture
def token_a(bookkeeper_a, tenant_a, in_tenant):
    with in_tenant(tenant_a):
        _, key = create_api_token(membership=Membership.objects.get(user=bookkeeper_a), name="Test",
                                  actor=bookkeeper_a)  # fmt: skip
    return {"HTTP_AUTHORIZATION": f"Token {key}"}


@pytest.mark.django_db
@pytest.mark.urls("tests.core.urls")
@pytest.mark.parametrize(
    ("kind", "status", "code", "message", "extra"),
    [
        ("locked", 423, "locked", "The VAT period is filed: its figures cannot change.", {}),
        ("plain", 400, "invalid", "That could not be done here.", {"field": "name"}),
        ("django_validation", 400, "invalid", "Give the business a name.",
         {"fields": {"name": ["Give the business a name."]}}),
        ("not_found", 404, "not_found", "No such thing.", {}),
        ("forbidden", 403, "forbidden", "Only an owner can do that.", {}),
        ("drf_validation", 400, "invalid", "Some of the data sent is not valid.",
         {"fields": {"name": ["This field is required."]}}),
    ],
)  # fmt: skip
def test_an_api_refusal_is_one_json_shape_with_its_status_and_writes_nothing(
    client, token_a, tenant_a, kind, status, code, message, extra
):
    response = client.post(f"/api/v1/test-refuse/{kind}/", {}, **token_a)
    assert response.status_code == status
    assert response.json() == {"message": message, "code": code, "extra": extra, "detail": message}
    assert name_of(tenant_a) == "Aldgate Joinery Ltd"


@pytest.mark.django_db
@pytest.mark.urls("tests.core.urls")
def test_an_api_outage_says_when_to_retry(client, token_a):
    response = client.post("/api/v1/test-refuse/rate_limited/", {}, **token_a)
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert response.json()["code"] == "MESSAGE_THROTTLED_OUT"


@pytest.mark.django_db
def test_drf_s_own_refusals_take_the_same_shape(client):
    response = client.get("/api/v1/documents/", HTTP_AUTHORIZATION="Token nope")
    assert response.status_code == 401 and response.has_header("WWW-Authenticate")
    body = response.json()
    assert body["code"] == "authentication_failed" and body["extra"] == {}
    assert body["message"] == "This API token is not valid (unknown, revoked or expired)."


@pytest.mark.django_db
def test_a_drf_refusal_with_a_detail_list_reads_as_one_message(client, bookkeeper_a):
    client.force_login(bookkeeper_a)
    response = client.get("/api/v1/documents/")
    assert response.status_code == 400
    assert response.json() == {
        "message": "Name the business in the X-Strongroom-Tenant header.",
        "code": "invalid",
        "extra": {},
        "detail": "Name the business in the X-Strongroom-Tenant header.",
    }
