"""Connect a test tenant to the local HMRC sandbox through the real OAuth journey (needs ``sandbox_http``).

``connect_hmrc(tenant, user)`` runs start_authorisation → the sandbox's grant
page (POSTed by a fresh test client, as the user's browser) →
complete_authorisation, and returns the stored HmrcConnection. Other apps'
tests (filing, onboarding) may use it.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.test import Client
from django.urls import reverse

from apps.integrations.hmrc import oauth
from apps.sandbox.fixtures import DEMO_VRN


def callback_uri(tenant=None) -> str:
    """The one redirect URI registered with HMRC (it forwards to the business named in the state)."""
    return settings.SITE_URL + reverse("hmrc-oauth-return")


def grant_at_sandbox(authorize_url: str, *, vrn: str = DEMO_VRN, action: str = "grant") -> dict[str, str]:
    """The user's browser at HMRC: open the grant page, answer it; return the callback's query parameters."""
    parts = urlsplit(authorize_url)
    assert authorize_url.startswith(settings.HMRC_AUTHORIZE_URL), authorize_url
    browser = Client()
    page = browser.get(f"{parts.path}?{parts.query}")
    assert page.status_code == 200, page.content[:500]
    fields = {k: v[0] for k, v in parse_qs(parts.query).items()}
    answer = browser.post(f"{parts.path}", {**fields, "vrn": vrn, "action": action})
    assert answer.status_code == 302, answer.content[:500]
    return {k: v[0] for k, v in parse_qs(urlsplit(answer["Location"]).query).items()}


def connect_hmrc(tenant, user, *, vrn: str = DEMO_VRN):
    redirect_uri = callback_uri(tenant)
    url = oauth.start_authorisation(tenant=tenant, user=user, redirect_uri=redirect_uri)
    answer = grant_at_sandbox(url, vrn=vrn)
    return oauth.complete_authorisation(
        tenant=tenant,
        user=user,
        state=answer["state"],
        code=answer.get("code"),
        error=answer.get("error"),
        redirect_uri=redirect_uri,
    )
