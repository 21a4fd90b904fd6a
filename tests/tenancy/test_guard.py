"""The request guard: private answers are never cached; hostile text never reaches a view."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.tenancy.models import Membership
from apps.tenancy.services import create_api_token
from tests.test_url_fuzz import _fill, _owner_client, _routes

pytestmark = pytest.mark.django_db


def test_every_tenant_page_says_no_store_whatever_its_status(tenant_a, caplog):
    caplog.set_level("ERROR", logger="django.request")
    client = _owner_client(tenant_a)
    tenant_routes = [r for r in _routes() if r.startswith("t/<slug:tenant_slug>/")]
    assert len(tenant_routes) > 50
    missing = []
    for route in tenant_routes:
        response = client.get(_fill(route, tenant_a.slug))
        if "no-store" not in response.get("Cache-Control", ""):
            missing.append(f"{response.status_code} {route}: {response.get('Cache-Control')!r}")
    assert missing == [], "\n".join(missing)


def test_api_answers_say_no_store(tenant_a, bookkeeper_a, in_tenant):
    with in_tenant(tenant_a):
        _, key = create_api_token(membership=Membership.objects.get(user=bookkeeper_a), name="Scanner",
                                  actor=bookkeeper_a)  # fmt: skip
    client = Client()
    answers = [client.get("/api/v1/documents/", HTTP_AUTHORIZATION=f"Token {key}"), client.get("/api/v1/documents/")]
    assert answers[0].status_code == 200 and answers[1].status_code in (401, 403)
    assert all("no-store" in a["Cache-Control"] for a in answers)


def test_signed_in_pages_outside_a_business_say_no_store(client, bookkeeper_a):
    client.force_login(bookkeeper_a)
    assert "no-store" in client.get("/").get("Cache-Control", "")
