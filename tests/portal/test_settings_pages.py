"""The business settings page: the HMRC connection is reachable from it; stored codes are shown as words."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_hmrc_connection_is_linked_from_settings_and_the_vat_page(verified_client, owner_a, tenant_a):
    client = verified_client(owner_a)
    hmrc = reverse("integrations:hmrc", kwargs={"tenant_slug": tenant_a.slug})
    for name in ("tenancy:settings", "filing:home"):
        body = client.get(reverse(name, kwargs={"tenant_slug": tenant_a.slug})).content.decode()
        assert f'href="{hmrc}"' in body, name


def test_read_only_settings_show_labels_not_codes(client, bookkeeper_a, tenant_a):
    client.force_login(bookkeeper_a)
    body = client.get(reverse("tenancy:settings", kwargs={"tenant_slug": tenant_a.slug})).content.decode()
    assert "<dd>United Kingdom (London)</dd>" in body and "<dd>uk</dd>" not in body


def test_the_page_title_is_plain_text(verified_client, owner_a, tenant_a):
    body = verified_client(owner_a).get(reverse("tenancy:settings", kwargs={"tenant_slug": tenant_a.slug}))
    title = body.content.decode().split("<title>")[1].split("</title>")[0]
    assert "<" not in title and "Business settings" in title
