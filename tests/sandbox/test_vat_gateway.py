"""The simulated API platform in front of the VAT API: routing, Accept, bearer token, scope, VRN, enrolment."""

from __future__ import annotations

import re

import pytest

from apps.sandbox.fixtures import DEMO_VRN, OTHER_VRN
from tests.sandbox.conftest import API, a_return

pytestmark = pytest.mark.django_db
UUID = re.compile(r"^[0-9a-f-]{36}$")


def test_unknown_path_and_method(hmrc, client):
    token = hmrc.access_token()
    response = client.get("/sandbox/hmrc/organisations/vat/123456727/nothing", **hmrc.headers(token))
    assert response.status_code == 404
    assert response.json()["code"] == "MATCHING_RESOURCE_NOT_FOUND"
    wrong_method = client.delete(f"{API}/{DEMO_VRN}/obligations", **hmrc.headers(token))
    assert wrong_method.status_code == 404 and wrong_method.json()["code"] == "MATCHING_RESOURCE_NOT_FOUND"
    posted = client.post("/sandbox/hmrc/organisations/vat/123456727/penalties", {}, **hmrc.headers(token))
    assert posted.status_code == 404 and posted.json()["code"] == "MATCHING_RESOURCE_NOT_FOUND"
    trace = client.generic("TRACE", f"{API}/{DEMO_VRN}/obligations", **hmrc.headers(token))
    assert trace.status_code == 405 and trace.json()["code"] == "METHOD_NOT_ALLOWED"


@pytest.mark.parametrize(
    "accept", [None, "application/json", "application/vnd.hmrc.2.0+json", "application/vnd.hmrc.1.0+xml", "*/*"]
)
def test_accept_header_must_name_version_1_0(hmrc, accept):
    token = hmrc.access_token()
    response = hmrc.get(f"/{DEMO_VRN}/obligations", token, {"status": "O"}, accept=accept)
    assert response.status_code == 406
    assert response.json() == {"code": "ACCEPT_HEADER_INVALID", "message": "The accept header is missing or invalid"}


def test_missing_and_invalid_credentials(hmrc, client):
    missing = hmrc.get(f"/{DEMO_VRN}/obligations", None, {"status": "O"})
    assert missing.status_code == 401 and missing.json()["code"] == "MISSING_CREDENTIALS"
    wrong = hmrc.get(f"/{DEMO_VRN}/obligations", "not-a-token", {"status": "O"})
    assert wrong.status_code == 401 and wrong.json()["code"] == "INVALID_CREDENTIALS"
    basic = client.get(
        f"{API}/{DEMO_VRN}/obligations",
        {"status": "O"},
        HTTP_ACCEPT="application/vnd.hmrc.1.0+json",
        HTTP_AUTHORIZATION="Basic Zm9vOg==",
    )
    assert basic.status_code == 401 and basic.json()["code"] == "INVALID_CREDENTIALS"


def test_scopes(hmrc):
    read_only = hmrc.access_token(scope="read:vat")
    refused = hmrc.submit(DEMO_VRN, read_only, a_return())
    assert refused.status_code == 403 and refused.json()["code"] == "INVALID_SCOPE"
    write_only = hmrc.access_token(scope="write:vat")
    refused = hmrc.get(f"/{DEMO_VRN}/obligations", write_only, {"status": "O"})
    assert refused.status_code == 403 and refused.json()["code"] == "INVALID_SCOPE"


@pytest.mark.parametrize("vrn", ["12345678", "1234567890", "GB123456727", "12345672X"])
def test_vrn_format_is_checked_before_the_enrolment(hmrc, client, vrn):
    token = hmrc.access_token()
    for response in (
        hmrc.get(f"/{vrn}/obligations", token, {"status": "O"}),
        hmrc.get(f"/{vrn}/returns/24A1", token),
        hmrc.get(f"/{vrn}/liabilities", token, {"from": "2026-01-01", "to": "2026-02-01"}),
        hmrc.submit(vrn, token, a_return()),
    ):
        assert response.status_code == 400
        assert response.json() == {"code": "VRN_INVALID", "message": "The provided VRN is invalid"}


def test_a_token_only_reaches_the_vrn_it_was_granted_for(hmrc):
    token = hmrc.access_token(DEMO_VRN)
    expected = {"code": "CLIENT_OR_AGENT_NOT_AUTHORISED", "message": "The client and/or agent is not authorised."}
    for response in (
        hmrc.get(f"/{OTHER_VRN}/obligations", token, {"status": "O"}),
        hmrc.get(f"/{OTHER_VRN}/returns/24A1", token),
        hmrc.get(f"/{OTHER_VRN}/payments", token, {"from": "2026-01-01", "to": "2026-02-01"}),
        hmrc.submit(OTHER_VRN, token, a_return()),
        # Nine digits with bad check digits pass the format check but no token can be granted for them.
        hmrc.get("/123456789/obligations", token, {"status": "O"}),
    ):
        assert response.status_code == 403
        assert response.json() == expected


def test_every_answer_carries_a_correlation_id(hmrc):
    token = hmrc.access_token()
    for response in (
        hmrc.get(f"/{DEMO_VRN}/obligations", token, {"status": "O"}),
        hmrc.get(f"/{DEMO_VRN}/obligations", None),
        hmrc.get(f"/{DEMO_VRN}/returns/99A9", token),
    ):
        assert UUID.match(response["X-CorrelationId"])
        assert response["X-Content-Type-Options"] == "nosniff"


def test_unknown_gov_test_scenario_is_refused_on_every_endpoint(hmrc):
    token = hmrc.access_token()
    for response in (
        hmrc.get(f"/{DEMO_VRN}/obligations", token, {"status": "O"}, scenario="QUARTERLY_NONE_MET_TYPO"),
        hmrc.get(f"/{DEMO_VRN}/returns/24A1", token, scenario="NOPE"),
        hmrc.get(f"/{DEMO_VRN}/liabilities", token, {"from": "2026-01-01", "to": "2026-02-01"}, scenario="NOPE"),
        hmrc.get(f"/{DEMO_VRN}/payments", token, {"from": "2026-01-01", "to": "2026-02-01"}, scenario="NOPE"),
        hmrc.submit(DEMO_VRN, token, a_return(), scenario="NOPE"),
    ):
        assert response.status_code == 400
        assert response.json() == {
            "code": "RULE_INCORRECT_GOV_TEST_SCENARIO",
            "message": "The Gov-Test-Scenario was not found",
        }


def test_server_to_server_posts_need_no_csrf_token(db):
    """The portal's HTTP client has no CSRF cookie: the API's POSTs must not ask for one (the grant page does)."""
    from django.test import Client

    from tests.sandbox.conftest import AUTHORIZE, Hmrc, auth_params

    strict = Hmrc(Client(enforce_csrf_checks=True))
    token = Hmrc(Client()).access_token()  # the grant itself is a browser form with a CSRF token
    assert strict.token_request(grant_type="client_credentials").status_code == 200
    assert strict.submit(DEMO_VRN, token, a_return()).status_code == 201
    unknown = strict.client.post("/sandbox/hmrc/organisations/vat/123456727/nothing", **strict.headers(token))
    assert unknown.status_code == 404
    grant = strict.client.post(AUTHORIZE, {**auth_params(), "vrn": DEMO_VRN, "action": "grant"})
    assert grant.status_code == 403  # no CSRF token: refused
