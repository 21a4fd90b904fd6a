"""The business settings page: the HMRC connection is reachable from it; stored codes are shown as words."""

from __future__ import annotations

import pytest
from django import forms
from django.urls import reverse

from apps.tenancy.templatetags.display import field_display

pytestmark = pytest.mark.django_db


def test_the_hmrc_connection_is_linked_from_settings_and_the_vat_page(verified_client, owner_a, tenant_a):
    client = verified_client(owner_a)
    hmrc = reverse("integrations:hmrc", kwargs={"tenant_slug": tenant_a.slug})
    for name in ("tenancy:settings", "filing:home"):
        body = client.get(reverse(name, kwargs={"tenant_slug": tenant_a.slug})).content.decode()
        assert f'href="{hmrc}"' in body, name


def test_read_only_settings_show_the_details_and_no_region(client, bookkeeper_a, tenant_a):
    client.force_login(bookkeeper_a)
    body = client.get(reverse("tenancy:settings", kwargs={"tenant_slug": tenant_a.slug})).content.decode()
    assert f"<dd>{tenant_a.name}</dd>" in body
    assert "residency" not in body.lower()  # decision 0021: the region that did nothing is gone


def test_read_only_fields_show_a_choice_label_not_its_code():
    class Form(forms.Form):
        role = forms.ChoiceField(choices=[("bookkeeper", "Bookkeeper"), ("viewer", "Viewer")])

    assert field_display(Form(initial={"role": "viewer"})["role"]) == "Viewer"


def test_the_page_title_is_plain_text(verified_client, owner_a, tenant_a):
    body = verified_client(owner_a).get(reverse("tenancy:settings", kwargs={"tenant_slug": tenant_a.slug}))
    title = body.content.decode().split("<title>")[1].split("</title>")[0]
    assert "<" not in title and "Business settings" in title
