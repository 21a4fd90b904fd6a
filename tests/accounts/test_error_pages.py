"""GET on a POST-only address gets a page like the 404's, not the browser's blank 405."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _assert_405_page(response, allow: str) -> None:
    body = response.content.decode()
    assert response.status_code == 405
    assert response["Allow"] == allow
    assert "Error 405" in body and "<h1>This page cannot be opened directly</h1>" in body
    assert "errors/405.html" in [t.name for t in response.templates]


def test_get_on_sign_out(client, user):
    client.force_login(user)
    _assert_405_page(client.get(reverse("accounts:logout")), "POST")


def test_get_on_a_portal_action(client, bookkeeper_a, tenant_a):
    client.force_login(bookkeeper_a)
    response = client.get(reverse("tenancy:invite", kwargs={"tenant_slug": tenant_a.slug}))
    _assert_405_page(response, "POST")
    assert tenant_a.name in response.content.decode()  # still inside the business's pages


def test_post_on_a_get_only_page(client, bookkeeper_a, tenant_a):
    client.force_login(bookkeeper_a)
    _assert_405_page(client.post(reverse("tenancy:team", kwargs={"tenant_slug": tenant_a.slug})), "GET")
