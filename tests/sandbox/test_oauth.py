"""HMRC OAuth: the grant page, the token endpoint, code and refresh-token lifetimes and single use."""

from __future__ import annotations

import base64
import hashlib

import pytest

from apps.sandbox.fixtures import DEMO_VRN, OTHER_VRN
from apps.sandbox.models import AuthorizationCode, OAuthClient, Token
from apps.sandbox.services.oauth import token_hash
from tests.sandbox.conftest import AUTHORIZE, REDIRECT, TOKEN, auth_params, query_of

pytestmark = pytest.mark.django_db


def test_grant_page_is_prefilled_with_the_demo_vrn(client):
    response = client.get(AUTHORIZE, auth_params())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Sandbox Government Gateway: grant authority" in html
    assert f'value="{DEMO_VRN}"' in html
    assert "Grant authority" in html and "Deny" in html


def test_grant_redirects_with_a_code_and_the_state(client):
    response = client.post(AUTHORIZE, {**auth_params(), "vrn": OTHER_VRN, "action": "grant"})
    assert response.status_code == 302
    assert response["Location"].startswith(REDIRECT + "?")
    query = query_of(response["Location"])
    assert query["state"] == "s-123"
    row = AuthorizationCode.objects.get()
    assert row.code_hash == token_hash(query["code"]) and row.vrn == OTHER_VRN
    assert query["code"] not in str(AuthorizationCode.objects.values_list())  # only the hash is stored


def test_deny_redirects_with_access_denied(client):
    response = client.post(AUTHORIZE, {**auth_params(), "vrn": DEMO_VRN, "action": "deny"})
    assert response.status_code == 302
    query = query_of(response["Location"])
    assert query["error"] == "access_denied"
    assert query["error_code"] == "USER_DENIED_AUTHORIZATION"
    assert query["state"] == "s-123"
    assert "code" not in query
    assert not AuthorizationCode.objects.exists()


def test_redirect_uri_keeps_its_own_query(client):
    uri = "http://127.0.0.1:8123/cb?x=1"
    response = client.post(AUTHORIZE, {**auth_params(redirect_uri=uri), "vrn": DEMO_VRN, "action": "grant"})
    assert response["Location"].startswith("http://127.0.0.1:8123/cb?x=1&code=")


@pytest.mark.parametrize("vrn", ["123456789", "12345", "abc", ""])
def test_grant_refuses_a_vrn_with_bad_check_digits(client, vrn):
    response = client.post(AUTHORIZE, {**auth_params(), "vrn": vrn, "action": "grant"})
    assert response.status_code == 400
    assert "check digits" in response.content.decode()
    assert not AuthorizationCode.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"client_id": None}, "invalid_request"),
        ({"client_id": "someone-else"}, "invalid_request"),
        ({"redirect_uri": None}, "invalid_request"),
        ({"redirect_uri": "https://evil.example/cb"}, "invalid_request"),
        ({"redirect_uri": "http://testserver/cb#frag"}, "invalid_request"),
        ({"redirect_uri": "ftp://127.0.0.1/cb"}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"response_type": None}, "invalid_request"),
        ({"scope": None}, "invalid_request"),
        ({"scope": "read:vat write:everything"}, "invalid_scope"),
        ({"client_secret": "x"}, "invalid_request"),
        ({"code_challenge": "a" * 43}, "invalid_request"),
        ({"code_challenge": "a" * 43, "code_challenge_method": "plain"}, "invalid_request"),
    ],
)
def test_bad_authorise_requests_are_shown_to_the_browser_not_redirected(client, overrides, error):
    for method in (client.get, client.post):
        response = method(AUTHORIZE, {**auth_params(**overrides), "vrn": DEMO_VRN, "action": "grant"})
        assert response.status_code == 400
        assert error in response.content.decode()
    assert not AuthorizationCode.objects.exists()


def test_site_url_redirects_are_accepted(client, settings):
    settings.SITE_URL = "https://portal.strongroom.example"
    uri = "https://portal.strongroom.example/t/x/integrations/hmrc/callback/"
    response = client.get(AUTHORIZE, auth_params(redirect_uri=uri))
    assert response.status_code == 200
    response = client.get(AUTHORIZE, auth_params(redirect_uri="https://portal.strongroom.example.evil.test/cb"))
    assert response.status_code == 400


def test_code_exchange_gives_bearer_tokens_per_spec(hmrc):
    response = hmrc.exchange(hmrc.code())
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token", "scope"}
    assert body["token_type"] == "bearer" and body["expires_in"] == 14400
    assert body["scope"] == "read:vat write:vat"
    row = Token.objects.get()
    assert row.access_hash == token_hash(body["access_token"]) and row.vrn == DEMO_VRN
    assert body["access_token"] not in str(Token.objects.values_list())


def test_a_code_is_single_use_and_a_replay_revokes_what_it_issued(hmrc):
    code = hmrc.code()
    first = hmrc.exchange(code).json()
    replay = hmrc.exchange(code)
    assert replay.status_code == 400
    assert replay.json() == {"error": "invalid_request", "error_description": "code is invalid"}
    # RFC 6749 §4.1.2: tokens issued from a replayed code are revoked.
    assert hmrc.get(f"/{DEMO_VRN}/obligations", first["access_token"], {"status": "O"}).status_code == 401


def test_a_code_expires_after_ten_minutes(hmrc, sandbox_clock):
    code = hmrc.code()
    sandbox_clock.advance(minutes=9, seconds=59)
    assert hmrc.exchange(code).status_code == 200
    late = hmrc.code()
    sandbox_clock.advance(minutes=10)
    response = hmrc.exchange(late)
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


@pytest.mark.parametrize(
    ("data", "status", "error"),
    [
        ({"client_id": None}, 400, "invalid_request"),
        ({"client_secret": None}, 400, "invalid_request"),
        ({"client_secret": "wrong"}, 401, "invalid_client"),
        ({"client_id": "unknown"}, 401, "invalid_client"),
        ({"grant_type": None}, 400, "invalid_request"),
        ({"grant_type": "password"}, 400, "invalid_request"),
        ({"redirect_uri": None}, 400, "invalid_request"),
        ({"redirect_uri": "http://testserver/other/"}, 400, "invalid_request"),
        ({"code": None}, 400, "invalid_request"),
        ({"code": "not-a-code"}, 400, "invalid_request"),
        ({"code_verifier": "x" * 43}, 400, "invalid_request"),
    ],
)
def test_token_endpoint_errors(hmrc, data, status, error):
    body = {"grant_type": "authorization_code", "code": hmrc.code(), "redirect_uri": REDIRECT, **data}
    response = hmrc.token_request(**body)
    assert response.status_code == status
    assert response.json()["error"] == error
    assert "error_description" in response.json()


def test_token_endpoint_wants_a_form_post(hmrc, client):
    assert client.get(TOKEN).status_code == 405
    multipart = client.post(TOKEN, {"grant_type": "client_credentials"})
    assert multipart.status_code == 400 and multipart.json()["error"] == "invalid_request"
    response = client.post(TOKEN, {"grant_type": "client_credentials"}, content_type="application/json")
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


def _pkce() -> tuple[str, str]:
    verifier = "v" * 50
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def test_pkce_s256(hmrc):
    verifier, challenge = _pkce()
    code = hmrc.code(code_challenge=challenge, code_challenge_method="S256")
    assert hmrc.exchange(code).json()["error"] == "invalid_request"  # verifier missing
    assert hmrc.exchange(code, code_verifier="short").json()["error"] == "invalid_request"
    wrong = hmrc.exchange(code, code_verifier="w" * 50)
    assert wrong.status_code == 400 and wrong.json() == {
        "error": "invalid_grant",
        "error_description": "code_verifier is invalid",
    }
    assert hmrc.exchange(code, code_verifier=verifier).status_code == 200


def test_refresh_rotates_and_each_refresh_token_is_single_use(hmrc):
    first = hmrc.tokens()
    second = hmrc.token_request(grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert second.status_code == 200
    second = second.json()
    assert second["refresh_token"] != first["refresh_token"] and second["expires_in"] == 14400
    again = hmrc.token_request(grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert again.status_code == 400
    assert again.json() == {"error": "invalid_grant", "error_description": "refresh_token is invalid"}
    # The old access token died with the refresh, even though it had not expired.
    assert hmrc.get(f"/{DEMO_VRN}/obligations", first["access_token"], {"status": "O"}).status_code == 401
    assert hmrc.get(f"/{DEMO_VRN}/obligations", second["access_token"], {"status": "O"}).status_code == 200


def test_refresh_errors(hmrc):
    tokens = hmrc.tokens()
    missing = hmrc.token_request(grant_type="refresh_token")
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    unknown = hmrc.token_request(grant_type="refresh_token", refresh_token="nope")
    assert unknown.status_code == 400 and unknown.json()["error"] == "invalid_grant"
    OAuthClient.objects.create(client_id="other-app", name="Other", secret_hash=token_hash("s3cret"))
    other = hmrc.token_request(
        grant_type="refresh_token", refresh_token=tokens["refresh_token"], client_id="other-app", client_secret="s3cret"
    )
    assert other.status_code == 400 and other.json()["error"] == "invalid_grant"


def test_refresh_chain_ends_eighteen_months_after_the_grant(hmrc, sandbox_clock):
    tokens = hmrc.tokens()
    sandbox_clock.advance(days=540)
    tokens = hmrc.token_request(grant_type="refresh_token", refresh_token=tokens["refresh_token"]).json()
    sandbox_clock.advance(days=9)
    response = hmrc.token_request(grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_access_token_expires_after_four_hours(hmrc, sandbox_clock):
    token = hmrc.access_token()
    sandbox_clock.advance(hours=3, minutes=59)
    assert hmrc.get(f"/{DEMO_VRN}/obligations", token, {"status": "O"}).status_code == 200
    sandbox_clock.advance(minutes=1)
    response = hmrc.get(f"/{DEMO_VRN}/obligations", token, {"status": "O"})
    assert response.status_code == 401 and response.json()["code"] == "INVALID_CREDENTIALS"


def test_client_credentials_token_is_refused_by_user_restricted_endpoints(hmrc):
    response = hmrc.token_request(grant_type="client_credentials", scope="write:test-support")
    assert response.status_code == 200
    body = response.json()
    assert "refresh_token" not in body and body["expires_in"] == 14400
    api = hmrc.get(f"/{DEMO_VRN}/obligations", body["access_token"], {"status": "O"})
    assert api.status_code == 401 and api.json()["code"] == "INCORRECT_ACCESS_TOKEN_TYPE"


def test_a_registered_client_matches_redirect_uris_exactly(hmrc, client):
    OAuthClient.objects.create(
        client_id="exact-app", name="Exact", secret_hash=token_hash("pw"), redirect_uris=["https://app.example/cb"]
    )
    assert (
        client.get(AUTHORIZE, auth_params(client_id="exact-app", redirect_uri="https://app.example/cb")).status_code
        == 200
    )
    assert client.get(AUTHORIZE, auth_params(client_id="exact-app", redirect_uri=REDIRECT)).status_code == 400


def test_the_configured_client_secret_is_the_integrations_one(hmrc, settings):
    from apps.security_center.secrets import get_secret

    assert settings.HMRC_CLIENT_ID
    good = hmrc.token_request(grant_type="client_credentials", client_secret=get_secret("hmrc_client_secret"))
    assert good.status_code == 200
