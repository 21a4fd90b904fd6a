"""Helpers for the sandbox tests: the OAuth dance through the real endpoints, API calls with HMRC's headers."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.conf import settings

from apps.sandbox import clock
from apps.sandbox.fixtures import DEMO_VRN
from apps.sandbox.services import faults

AUTHORIZE = "/sandbox/hmrc/oauth/authorize"
TOKEN = "/sandbox/hmrc/oauth/token"
API = "/sandbox/hmrc/organisations/vat"
ACCEPT = "application/vnd.hmrc.1.0+json"
REDIRECT = "http://testserver/t/aldgate-joinery/integrations/hmrc/callback/"


def client_secret() -> str:
    from apps.integrations.hmrc.credentials import client_secret as secret

    return secret()


def auth_params(**overrides) -> dict:
    params = {
        "response_type": "code",
        "client_id": settings.HMRC_CLIENT_ID,
        "scope": "read:vat write:vat",
        "state": "s-123",
        "redirect_uri": REDIRECT,
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


class Clock:
    """Moves the sandbox's clock (apps.sandbox.clock.now) without touching the real one."""

    def __init__(self, monkeypatch) -> None:
        self.offset = timedelta()
        real = clock.now
        monkeypatch.setattr(clock, "now", lambda: real() + self.offset)

    def advance(self, **kwargs) -> None:
        self.offset += timedelta(**kwargs)

    def now(self) -> datetime:
        return clock.now()


@pytest.fixture
def sandbox_clock(monkeypatch) -> Clock:
    return Clock(monkeypatch)


@pytest.fixture(autouse=True)
def _deterministic_faults():
    faults.set_random_source(random.Random(1234))
    yield
    faults.set_random_source(None)
    faults._forget()


class Hmrc:
    """Drives the sandbox through the Django test client as the portal and the test user would."""

    def __init__(self, client) -> None:
        self.client = client

    def code(self, vrn: str = DEMO_VRN, **overrides) -> str:
        response = self.client.post(AUTHORIZE, {**auth_params(**overrides), "vrn": vrn, "action": "grant"})
        assert response.status_code == 302, response.content
        return query_of(response["Location"])["code"]

    def token_request(self, **data):
        body = {"client_id": settings.HMRC_CLIENT_ID, "client_secret": client_secret(), **data}
        form = urlencode({k: v for k, v in body.items() if v is not None})
        return self.client.post(TOKEN, form, content_type="application/x-www-form-urlencoded")

    def exchange(self, code: str, redirect_uri: str = REDIRECT, **extra):
        return self.token_request(grant_type="authorization_code", code=code, redirect_uri=redirect_uri, **extra)

    def tokens(self, vrn: str = DEMO_VRN, scope: str = "read:vat write:vat") -> dict:
        response = self.exchange(self.code(vrn, scope=scope))
        assert response.status_code == 200, response.content
        return response.json()

    def access_token(self, vrn: str = DEMO_VRN, scope: str = "read:vat write:vat") -> str:
        return self.tokens(vrn, scope)["access_token"]

    def headers(self, token: str | None, scenario: str | None = None, accept: str | None = ACCEPT) -> dict:
        headers = {}
        if accept is not None:
            headers["HTTP_ACCEPT"] = accept
        if token is not None:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        if scenario is not None:
            headers["HTTP_GOV_TEST_SCENARIO"] = scenario
        return headers

    def get(self, path: str, token: str | None, params: dict | None = None, **kw):
        return self.client.get(f"{API}{path}", params or {}, **self.headers(token, **kw))

    def submit(self, vrn: str, token: str | None, body, content_type: str = "application/json", **kw):
        import json

        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return self.client.post(f"{API}/{vrn}/returns", data, content_type=content_type, **self.headers(token, **kw))


@pytest.fixture
def hmrc(client, db) -> Hmrc:
    return Hmrc(client)


def a_return(period_key: str = "24A1", **overrides) -> dict:
    body = {
        "periodKey": period_key,
        "vatDueSales": 2050.00,
        "vatDueAcquisitions": 0.00,
        "totalVatDue": 2050.00,
        "vatReclaimedCurrPeriod": 800.00,
        "netVatDue": 1250.00,
        "totalValueSalesExVAT": 14500,
        "totalValuePurchasesExVAT": 4500,
        "totalValueGoodsSuppliedExVAT": 0,
        "totalAcquisitionsExVAT": 0,
        "finalised": True,
    }
    body.update(overrides)
    return body
