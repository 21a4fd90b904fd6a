"""HMRC's sandbox test-support APIs: Create Test User and Test Fraud Prevention Headers."""

from __future__ import annotations

import pytest
from stdnum.gb import vat as gb_vat

from apps.sandbox.fph import validate
from apps.sandbox.models import TestOrganisation
from tests.sandbox.conftest import ACCEPT

pytestmark = pytest.mark.django_db
CREATE = "/sandbox/hmrc/create-test-user/organisations"
VALIDATE = "/sandbox/hmrc/test/fraud-prevention-headers/validate"

GOOD = {
    "Gov-Client-Connection-Method": "WEB_APP_VIA_SERVER",
    "Gov-Client-Browser-JS-User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/124.0",
    "Gov-Client-Device-ID": "beec798b-b366-47fa-b1f8-92cede14a1ce",
    "Gov-Client-Multi-Factor": "type=TOTP&timestamp=2025-03-01T09%3A15Z&unique-reference=0283da60063abfb3",
    "Gov-Client-Public-IP": "198.51.100.7",
    "Gov-Client-Public-IP-Timestamp": "2025-03-01T09:20:01.000Z",
    "Gov-Client-Public-Port": "51234",
    "Gov-Client-Screens": "width=1920&height=1080&scaling-factor=1.25&colour-depth=24",
    "Gov-Client-Timezone": "UTC+01:00",
    "Gov-Client-User-IDs": "strongroom=alice%40example.invalid",
    "Gov-Client-Window-Size": "width=1256&height=803",
    "Gov-Vendor-Forwarded": "by=203.0.113.6&for=198.51.100.7",
    "Gov-Vendor-License-IDs": "strongroom=8D7963490527D337",
    "Gov-Vendor-Product-Name": "Strongroom",
    "Gov-Vendor-Public-IP": "203.0.113.6",
    "Gov-Vendor-Version": "strongroom=0.1.0",
}


def _app_token(hmrc) -> str:
    return hmrc.token_request(grant_type="client_credentials", scope="write:test-support").json()["access_token"]


def test_create_test_organisation(hmrc, client):
    token = _app_token(hmrc)
    response = client.post(
        CREATE, {"serviceNames": ["mtd-vat"]}, content_type="application/json", **hmrc.headers(token)
    )
    assert response.status_code == 201
    body = response.json()
    assert gb_vat.is_valid(body["vrn"]) and len(body["vrn"]) == 9
    assert {"userId", "password", "userFullName", "emailAddress", "organisationDetails", "vatRegistrationDate"} <= set(
        body
    )
    assert TestOrganisation.objects.get(vrn=body["vrn"]).name == body["organisationDetails"]["name"]
    # The new VRN can be granted and used at once.
    user_token = hmrc.access_token(body["vrn"])
    assert hmrc.get(f"/{body['vrn']}/obligations", user_token, {"status": "O"}).status_code == 200


@pytest.mark.parametrize("body", ['{"serviceNames": "mtd-vat"}', "{", '{"serviceNames": [1]}'])
def test_create_test_organisation_bad_body(hmrc, client, body):
    response = client.post(CREATE, body, content_type="application/json", **hmrc.headers(_app_token(hmrc)))
    assert response.status_code == 400 and response.json()["code"] == "INVALID_REQUEST"


def test_create_test_organisation_needs_credentials(hmrc, client):
    response = client.post(CREATE, {"serviceNames": ["mtd-vat"]}, content_type="application/json", HTTP_ACCEPT=ACCEPT)
    assert response.status_code == 401


def _check(hmrc, client, headers: dict) -> dict:
    meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
    response = client.get(VALIDATE, **hmrc.headers(_app_token(hmrc)), **meta)
    assert response.status_code == 200
    return response.json()


def test_a_complete_header_set_is_valid(hmrc, client):
    body = _check(hmrc, client, GOOD)
    assert body == {
        "specVersion": "3.3",
        "code": "VALID_HEADERS",
        "message": "All headers appear to be valid",
        "errors": [],
        "warnings": [],
    }


def test_missing_header(hmrc, client):
    body = _check(hmrc, client, {k: v for k, v in GOOD.items() if k != "Gov-Client-Timezone"})
    assert body["code"] == "INVALID_HEADERS"
    assert body["errors"] == [
        {"code": "MISSING_HEADER", "message": "Header required", "headers": ["gov-client-timezone"]}
    ]


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("Gov-Client-Connection-Method", "DESKTOP_APP_DIRECT"),
        ("Gov-Client-Device-ID", "not-a-uuid"),
        ("Gov-Client-Multi-Factor", "type=SMS&timestamp=2025-03-01T09%3A15Z&unique-reference=x"),
        ("Gov-Client-Multi-Factor", "type=TOTP&timestamp=2025-03-01 09:15&unique-reference=x"),
        ("Gov-Client-Public-IP", "not-an-ip"),
        ("Gov-Client-Public-IP-Timestamp", "2025-03-01T09:20:01Z"),
        ("Gov-Client-Public-Port", "443"),
        ("Gov-Client-Screens", "width=1920&height=0&scaling-factor=1&colour-depth=24"),
        ("Gov-Client-Timezone", "GMT"),
        ("Gov-Client-User-IDs", "os=alice"),
        ("Gov-Client-Window-Size", "width=1256"),
        ("Gov-Vendor-Forwarded", "by=203.0.113.6"),
        ("Gov-Vendor-Product-Name", "Strong room"),
        ("Gov-Vendor-Version", "strongroom="),
        ("Gov-Client-Browser-JS-User-Agent", ""),
    ],
)
def test_invalid_values(hmrc, client, header, value):
    body = _check(hmrc, client, {**GOOD, header: value})
    assert body["code"] == "INVALID_HEADERS"
    assert any(header.lower() in e["headers"] for e in body["errors"])


def test_cross_check_of_the_first_hop(hmrc, client):
    body = _check(hmrc, client, {**GOOD, "Gov-Vendor-Forwarded": "by=203.0.113.9&for=198.51.100.7"})
    assert body["code"] == "INVALID_HEADERS"
    assert body["errors"][0]["headers"] == ["gov-vendor-forwarded", "gov-vendor-public-ip", "gov-client-public-ip"]


def test_warnings_only(hmrc, client):
    body = _check(
        hmrc,
        client,
        {
            **GOOD,
            "Gov-Client-Multi-Factor": "",
            "Gov-Client-Public-IP": "192.168.1.20",
            "Gov-Vendor-Forwarded": "by=203.0.113.6&for=192.168.1.20",
        },
    )
    assert body["code"] == "POTENTIALLY_INVALID_HEADERS" and body["errors"] == []
    assert {w["code"] for w in body["warnings"]} == {"EMPTY_HEADER", "POTENTIALLY_INVALID_HEADER"}


def test_non_ascii_is_invalid():
    body = validate({**GOOD, "Gov-Vendor-Product-Name": "Strongroom£"})
    assert body["errors"][0]["code"] == "INVALID_HEADER"


def test_validate_needs_a_token(hmrc, client):
    assert client.get(VALIDATE, HTTP_ACCEPT=ACCEPT).status_code == 401
    assert client.get(VALIDATE, **hmrc.headers(hmrc.access_token())).status_code == 200  # a user token works too
