"""Companies House company profile: Basic auth with the API key, 404/401/429 shapes.

The contract: docs/contracts/hmrc-vat-api.md, Companies House.
"""

from __future__ import annotations

import base64

import pytest

from apps.integrations.companies_house import api_key
from apps.sandbox.fixtures import DEMO_COMPANY_NAME, DEMO_COMPANY_NUMBER, DISSOLVED_COMPANY_NUMBER
from apps.sandbox.models import Company
from apps.sandbox.services.faults import set_fault

pytestmark = pytest.mark.django_db
URL = "/sandbox/companies-house/company/"


def basic(user: str, password: str = "") -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def get(client, number: str, auth: str | None = None):
    headers = {"HTTP_AUTHORIZATION": auth if auth is not None else basic(api_key())}
    return client.get(URL + number, **headers)


def test_demo_company_profile(client):
    response = get(client, DEMO_COMPANY_NUMBER)
    assert response.status_code == 200
    body = response.json()
    assert body["company_number"] == DEMO_COMPANY_NUMBER and body["company_name"] == DEMO_COMPANY_NAME
    assert body["company_status"] == "active" and body["type"] == "ltd"
    assert body["date_of_creation"] == "2016-03-14"
    assert body["registered_office_address"]["postal_code"]
    assert body["links"]["self"] == f"/company/{DEMO_COMPANY_NUMBER}"
    assert response["X-Ratelimit-Limit"] == "600"


def test_dissolved_company(client):
    body = get(client, DISSOLVED_COMPANY_NUMBER).json()
    assert body["company_status"] == "dissolved" and body["company_name"] == "Old Quarry Trading Ltd"
    assert body["date_of_cessation"] == "2021-02-09" and body["can_file"] is False


@pytest.mark.parametrize("number", ["12345678", "SC000001", "sc654321", "x"])
def test_unknown_company_is_404(client, number):
    response = get(client, number)
    assert response.status_code == 404
    assert response.json() == {"errors": [{"type": "ch:service", "error": "company-profile-not-found"}]}


def test_a_company_added_at_run_time(client):
    Company.objects.create(company_number="OC123456", company_name="Fenwick Partners LLP", profile={"type": "llp"})
    body = get(client, "OC123456").json()
    assert body["company_name"] == "Fenwick Partners LLP" and body["type"] == "llp"


@pytest.mark.parametrize(
    "auth",
    ["", basic("wrong-key"), basic(api_key(), "a-password"), "Bearer " + api_key(), "Basic !!!", basic("")],
    # The demo key is generated per process: ids by position, the same in every pytest-xdist worker.
    ids=["none", "wrong-key", "key-with-password", "bearer", "not-base64", "empty-key"],
)
def test_bad_or_missing_key_is_401(client, auth):
    response = get(client, DEMO_COMPANY_NUMBER, auth)
    assert response.status_code == 401
    assert response.json() == {"error": "Invalid Authorization", "type": "ch:service"}


def test_rate_limited_is_429_without_a_body(client):
    set_fault("companies_house", rate_limited=True)
    response = get(client, DEMO_COMPANY_NUMBER)
    assert response.status_code == 429
    assert response.content == b""
    assert response["X-Ratelimit-Remain"] == "0"
