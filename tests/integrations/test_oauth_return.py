"""HMRC redirects to one registered URI for every business; it forwards to the business named in the state."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from apps.integrations.hmrc import oauth, selectors
from apps.integrations.hmrc.models import HmrcConnection
from tests.integrations.hmrc_helpers import grant_at_sandbox

pytestmark = pytest.mark.django_db


def test_the_registered_redirect_uri_is_the_same_for_every_business(
    sandbox_http, tenant_a, owner_a, verified_client, settings
):
    client = verified_client(owner_a)
    started = client.post(f"/t/{tenant_a.slug}/integrations/hmrc/connect/")
    query = parse_qs(urlsplit(started["Location"]).query)
    assert query["redirect_uri"] == [settings.SITE_URL + "/integrations/hmrc/callback/"]
    assert query["state"][0].startswith(f"{tenant_a.slug}.")

    answer = grant_at_sandbox(started["Location"])
    bounced = client.get(reverse("hmrc-oauth-return"), answer)
    assert bounced.status_code == 302
    assert bounced["Location"].startswith(f"/t/{tenant_a.slug}/integrations/hmrc/callback/?")
    finished = client.get(bounced["Location"])
    assert finished.status_code == 302
    assert selectors.connection_for(tenant_a).status == HmrcConnection.Status.CONNECTED


@pytest.mark.parametrize("state", ["", "forged", "../../evil.abcdefghijklmnopqrstuvwxyz", "a.short", "Caps.x" * 5])
def test_a_state_we_did_not_issue_is_a_400_and_no_redirect(client, state):
    response = client.get(reverse("hmrc-oauth-return"), {"state": state, "code": "x"})
    assert response.status_code == 400
    assert "not valid" in response.content.decode()


def test_another_business_cannot_use_a_state_bounced_to_it(sandbox_http, tenant_a, owner_a, bookkeeper_b, client):
    url = oauth.start_authorisation(tenant=tenant_a, user=owner_a, redirect_uri="http://testserver/x/")
    state = parse_qs(urlsplit(url).query)["state"][0]
    assert oauth.tenant_slug_from_state(state) == tenant_a.slug
    client.force_login(bookkeeper_b)
    bounced = client.get(reverse("hmrc-oauth-return"), {"state": state, "code": "abc"})
    assert client.get(bounced["Location"]).status_code == 404  # tenant A's page: not B's to see
