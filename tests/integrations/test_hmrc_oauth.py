"""Connecting to HMRC through the local sandbox: the journey, its failure modes, refresh and disconnect."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection as db_connection
from django.utils import timezone

from apps.integrations.errors import HmrcAuthorisationFailed, HmrcNotConnected
from apps.integrations.hmrc import oauth, selectors, tokens
from apps.integrations.hmrc.models import HmrcConnection, OAuthState
from apps.sandbox.fixtures import DEMO_VRN
from tests.helpers import audit_actions
from tests.integrations.hmrc_helpers import callback_uri, connect_hmrc, grant_at_sandbox

pytestmark = pytest.mark.django_db


def token_requests(adapter, grant_type: str) -> int:
    return sum(1 for r in adapter.requests if r.url.endswith("/oauth/token") and f"grant_type={grant_type}" in r.body)


def test_the_whole_journey_through_the_portal_stores_tokens_encrypted(
    sandbox_http, tenant_a, owner_a, verified_client, settings, in_tenant
):
    client = verified_client(owner_a)
    slug = tenant_a.slug
    started = client.post(f"/t/{slug}/integrations/hmrc/connect/?next=/t/{slug}/ledger/")
    assert started.status_code == 302
    location = started["Location"]
    assert location.startswith(settings.HMRC_AUTHORIZE_URL + "?")
    query = parse_qs(urlsplit(location).query)
    assert query["response_type"] == ["code"]
    assert query["client_id"] == [settings.HMRC_CLIENT_ID]
    assert query["scope"] == ["read:vat write:vat"]
    assert "%20" in location and "client_secret" not in location
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["redirect_uri"] == [callback_uri(tenant_a)]
    state = query["state"][0]
    assert len(state) >= 32

    answer = grant_at_sandbox(location)
    assert answer["state"] == state and answer["code"]
    finished = client.get(f"/t/{slug}/integrations/hmrc/callback/", answer)
    assert finished.status_code == 302
    assert finished["Location"] == f"/t/{slug}/ledger/"

    connection = selectors.connection_for(tenant_a)
    assert connection.status == HmrcConnection.Status.CONNECTED
    assert connection.connected_by == owner_a
    assert connection.scope_list == ["read:vat", "write:vat"]
    assert connection.expires_at - timezone.now() > timedelta(hours=3, minutes=55)
    with in_tenant(tenant_a):  # tokens open only inside their tenant's context
        access, refresh = connection.access_token, connection.refresh_token
    assert access and refresh and access != refresh
    with db_connection.cursor() as cursor:
        cursor.execute("SELECT * FROM integrations_hmrcconnection")
        raw = repr(cursor.fetchall())
    assert access not in raw and refresh not in raw
    # The code exchange went server to server, with the secret in the body and the same redirect URI.
    exchange = [r for r in sandbox_http.requests if r.url.endswith("/oauth/token")][-1]
    assert "grant_type=authorization_code" in exchange.body and "client_secret=" in exchange.body
    assert "code_verifier=" in exchange.body
    assert "Authorization" not in exchange.headers
    assert "integrations.hmrc.connected" in audit_actions(tenant_a.pk)
    assert client.get(f"/t/{slug}/integrations/hmrc/").status_code == 200


def test_the_status_page_says_connected_and_offers_disconnect(
    sandbox_http, tenant_a, owner_a, verified_client, in_tenant
):
    connect_hmrc(tenant_a, owner_a)
    client = verified_client(owner_a)
    page = client.get(f"/t/{tenant_a.slug}/integrations/hmrc/").content.decode()
    assert "Connected" in page and "Disconnect from HMRC" in page
    gone = client.post(f"/t/{tenant_a.slug}/integrations/hmrc/disconnect/")
    assert gone.status_code == 302
    connection = selectors.connection_for(tenant_a)
    assert connection.status == HmrcConnection.Status.REVOKED
    with in_tenant(tenant_a):
        assert connection.access_token == "" and connection.refresh_token == ""
    with pytest.raises(HmrcNotConnected):
        tokens.access_token_for(tenant_a)
    assert "integrations.hmrc.disconnected" in audit_actions(tenant_a.pk)
    assert "Connect to HMRC" in client.get(f"/t/{tenant_a.slug}/integrations/hmrc/").content.decode()


@pytest.mark.parametrize("role", ["bookkeeper", "viewer"])
def test_only_owners_and_accountants_may_connect(tenant_a, verified_client, role, in_tenant):
    from tests.conftest import make_member

    user = make_member(tenant_a, role)
    client = verified_client(user)
    assert client.post(f"/t/{tenant_a.slug}/integrations/hmrc/connect/").status_code == 403
    assert client.get(f"/t/{tenant_a.slug}/integrations/hmrc/").status_code == 200
    with in_tenant(tenant_a):
        assert OAuthState.objects.count() == 0


def test_an_unverified_session_may_not_connect(tenant_a, client):
    from tests.conftest import make_member

    accountant = make_member(tenant_a, "accountant")
    client.force_login(accountant)
    assert client.post(f"/t/{tenant_a.slug}/integrations/hmrc/connect/").status_code == 403


def _started(tenant, user):
    url = oauth.start_authorisation(tenant=tenant, user=user, redirect_uri=callback_uri(tenant))
    return url, grant_at_sandbox(url)


def test_state_is_single_use(sandbox_http, tenant_a, owner_a, verified_client):
    _url, answer = _started(tenant_a, owner_a)
    client = verified_client(owner_a)
    assert client.get(f"/t/{tenant_a.slug}/integrations/hmrc/callback/", answer).status_code == 302
    again = client.get(f"/t/{tenant_a.slug}/integrations/hmrc/callback/", answer)
    assert again.status_code == 400
    assert "already completed" in again.content.decode()


def test_a_state_that_does_not_match_is_refused_without_calling_hmrc(sandbox_http, tenant_a, owner_a, verified_client):
    _url, answer = _started(tenant_a, owner_a)
    client = verified_client(owner_a)
    before = len(sandbox_http.requests)
    bad = client.get(f"/t/{tenant_a.slug}/integrations/hmrc/callback/", {**answer, "state": "forged"})
    assert bad.status_code == 400
    assert "not valid for you or this business" in bad.content.decode()
    assert len(sandbox_http.requests) == before
    assert selectors.connection_for(tenant_a) is None


def test_a_state_is_bound_to_its_user_and_tenant(sandbox_http, tenant_a, tenant_b, owner_a):
    from tests.conftest import make_member

    _url, answer = _started(tenant_a, owner_a)
    other_owner = make_member(tenant_a, "owner")
    with pytest.raises(HmrcAuthorisationFailed) as caught:
        oauth.complete_authorisation(
            tenant=tenant_a, user=other_owner, state=answer["state"], code=answer["code"], error=None,
            redirect_uri=callback_uri(tenant_a),
        )  # fmt: skip
    assert caught.value.code == "STATE_INVALID"
    with pytest.raises(HmrcAuthorisationFailed) as caught:
        oauth.complete_authorisation(
            tenant=tenant_b, user=owner_a, state=answer["state"], code=answer["code"], error=None,
            redirect_uri=callback_uri(tenant_b),
        )  # fmt: skip
    assert caught.value.code == "STATE_INVALID"


def test_an_expired_state_is_refused(sandbox_http, tenant_a, owner_a, in_tenant):
    _url, answer = _started(tenant_a, owner_a)
    with in_tenant(tenant_a):
        OAuthState.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(HmrcAuthorisationFailed) as caught:
        oauth.complete_authorisation(
            tenant=tenant_a, user=owner_a, state=answer["state"], code=answer["code"], error=None,
            redirect_uri=callback_uri(tenant_a),
        )  # fmt: skip
    assert caught.value.code == "STATE_EXPIRED"
    assert "10 minutes" in caught.value.message


def test_access_denied_says_so_and_uses_up_the_state(sandbox_http, tenant_a, owner_a, verified_client):
    url = oauth.start_authorisation(tenant=tenant_a, user=owner_a, redirect_uri=callback_uri(tenant_a))
    answer = grant_at_sandbox(url, action="deny")
    assert answer["error"] == "access_denied"
    client = verified_client(owner_a)
    response = client.get(f"/t/{tenant_a.slug}/integrations/hmrc/callback/", answer, follow=True)
    assert response.status_code == 200
    assert "You did not give Strongroom permission at HMRC" in response.content.decode()
    assert selectors.connection_for(tenant_a) is None
    assert "integrations.hmrc.connect_failed" in audit_actions(tenant_a.pk)
    with pytest.raises(HmrcAuthorisationFailed) as caught:
        oauth.complete_authorisation(
            tenant=tenant_a, user=owner_a, state=answer["state"], code="x", error=None,
            redirect_uri=callback_uri(tenant_a),
        )  # fmt: skip
    assert caught.value.code == "STATE_USED"


def test_a_code_hmrc_refuses_is_a_clear_failure(sandbox_http, tenant_a, owner_a):
    _url, answer = _started(tenant_a, owner_a)
    with pytest.raises(HmrcAuthorisationFailed) as caught:
        oauth.complete_authorisation(
            tenant=tenant_a, user=owner_a, state=answer["state"], code="not-the-code", error=None,
            redirect_uri=callback_uri(tenant_a),
        )  # fmt: skip
    assert caught.value.code in {"INVALID_REQUEST", "INVALID_GRANT"}
    assert selectors.connection_for(tenant_a) is None


def test_next_url_must_be_relative(tenant_a, owner_a):
    assert oauth.safe_next_url("https://evil.example/x") == ""
    assert oauth.safe_next_url("//evil.example/x") == ""
    assert oauth.safe_next_url(f"/t/{tenant_a.slug}/filing/") == f"/t/{tenant_a.slug}/filing/"


def test_a_token_far_from_expiry_is_used_as_it_is(sandbox_http, tenant_a, owner_a):
    connection = connect_hmrc(tenant_a, owner_a)
    assert tokens.access_token_for(tenant_a) == connection.access_token
    assert token_requests(sandbox_http, "refresh_token") == 0


def test_a_token_expiring_within_five_minutes_is_refreshed_first(sandbox_http, tenant_a, owner_a, in_tenant):
    connection = connect_hmrc(tenant_a, owner_a)
    old_access, old_refresh = connection.access_token, connection.refresh_token
    with in_tenant(tenant_a):
        row = HmrcConnection.objects.get()
        row.expires_at = timezone.now() + timedelta(minutes=4)
        row.save()
    fresh = tokens.access_token_for(tenant_a)
    assert fresh != old_access
    with in_tenant(tenant_a):
        row = HmrcConnection.objects.get()
        assert row.access_token == fresh and row.refresh_token != old_refresh
    assert row.last_refreshed_at is not None
    assert row.expires_at - timezone.now() > timedelta(hours=3)
    assert token_requests(sandbox_http, "refresh_token") == 1
    assert tokens.access_token_for(tenant_a) == fresh  # no second refresh
    assert token_requests(sandbox_http, "refresh_token") == 1


def test_a_refused_refresh_token_means_reconnect(sandbox_http, tenant_a, owner_a, in_tenant):
    connect_hmrc(tenant_a, owner_a)
    with in_tenant(tenant_a):
        row = HmrcConnection.objects.get()
        row.refresh_token = "revoked-or-unknown"
        row.expires_at = timezone.now() - timedelta(minutes=1)
        row.save()
    with pytest.raises(HmrcNotConnected) as caught:
        tokens.access_token_for(tenant_a)
    assert "connect to HMRC again" in caught.value.message
    row = selectors.connection_for(tenant_a)
    assert row.status == HmrcConnection.Status.NEEDS_REAUTH
    assert "invalid_grant" in row.status_reason
    assert "integrations.hmrc.refresh_failed" in audit_actions(tenant_a.pk)
    with pytest.raises(HmrcNotConnected):
        tokens.access_token_for(tenant_a)
    assert token_requests(sandbox_http, "refresh_token") == 1  # not retried once known to be dead


def test_no_connection_is_not_connected(tenant_a):
    with pytest.raises(HmrcNotConnected):
        tokens.access_token_for(tenant_a)
    assert selectors.connection_for(tenant_a) is None


def test_reconnecting_replaces_the_tokens_in_the_same_row(sandbox_http, tenant_a, owner_a, in_tenant):
    first = connect_hmrc(tenant_a, owner_a)
    second = connect_hmrc(tenant_a, owner_a, vrn=DEMO_VRN)
    assert first.pk == second.pk
    with in_tenant(tenant_a):
        assert HmrcConnection.objects.get().access_token == second.access_token != first.access_token
        assert HmrcConnection.objects.count() == 1


def test_an_intercepted_code_is_useless_without_the_pkce_verifier(sandbox_http, tenant_a, owner_a):
    _url, answer = _started(tenant_a, owner_a)
    stolen = {
        "grant_type": "authorization_code",
        "redirect_uri": callback_uri(tenant_a),
        "code": answer["code"],
        "code_verifier": "a" * 64,
    }
    with pytest.raises(oauth.GrantRejected):
        oauth.token_request("token_exchange", stolen)
    del stolen["code_verifier"]
    with pytest.raises(HmrcAuthorisationFailed):
        oauth.token_request("token_exchange", stolen)
    connection = oauth.complete_authorisation(
        tenant=tenant_a, user=owner_a, state=answer["state"], code=answer["code"], error=None,
        redirect_uri=callback_uri(tenant_a),
    )  # fmt: skip
    assert connection.is_connected


def test_a_refresh_during_an_outage_keeps_the_connection_and_is_retryable(sandbox_http, tenant_a, owner_a, in_tenant):
    from apps.integrations.errors import ExternalServiceUnavailable
    from apps.sandbox.services.faults import clear_faults, set_fault

    connect_hmrc(tenant_a, owner_a)
    with in_tenant(tenant_a):
        row = HmrcConnection.objects.get()
        row.expires_at = timezone.now() + timedelta(minutes=1)
        row.save()
    set_fault("hmrc", outage=True)
    try:
        with pytest.raises(ExternalServiceUnavailable) as caught:
            tokens.access_token_for(tenant_a)
    finally:
        clear_faults()
    assert caught.value.retryable
    assert selectors.connection_for(tenant_a).status == HmrcConnection.Status.CONNECTED
    assert "integrations.hmrc.refresh_failed" in audit_actions(tenant_a.pk)
    assert tokens.access_token_for(tenant_a)  # HMRC back: the same refresh token still works


def test_refused_client_credentials_on_refresh_are_retryable_not_a_reconnect(
    sandbox_http, tenant_a, owner_a, in_tenant, monkeypatch
):
    from apps.integrations.errors import ExternalServiceUnavailable
    from apps.integrations.hmrc import credentials

    connect_hmrc(tenant_a, owner_a)
    with in_tenant(tenant_a):
        row = HmrcConnection.objects.get()
        row.expires_at = timezone.now() + timedelta(minutes=1)
        row.save()
    real_call = oauth.http.call

    def wrong_secret(*args, **kwargs):
        kwargs["data"] = {**kwargs["data"], "client_secret": "wrong"}
        return real_call(*args, **kwargs)

    monkeypatch.setattr(oauth.http, "call", wrong_secret)
    with pytest.raises(ExternalServiceUnavailable) as caught:
        tokens.access_token_for(tenant_a)
    assert caught.value.code == "REFRESH_REFUSED"
    assert selectors.connection_for(tenant_a).status == HmrcConnection.Status.CONNECTED
    assert credentials.client_secret() != "wrong"
