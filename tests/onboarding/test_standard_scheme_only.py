"""Cash accounting is not offered (returns are filed on invoice dates); a business stored with it is told."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from apps.filing.forms import CASH_NOT_SUPPORTED, VatSettingsForm
from apps.filing.models import VatSettings
from apps.onboarding.forms import VatSchemeForm
from apps.onboarding.models import Step
from apps.tenancy.context import tenant_context
from tests.factories.filing import VatSettingsFactory

pytestmark = pytest.mark.django_db


def filing_url(name: str, tenant) -> str:
    return reverse(f"filing:{name}", kwargs={"tenant_slug": tenant.slug})


@pytest.mark.parametrize("form_class", [VatSettingsForm, VatSchemeForm])
def test_neither_form_offers_cash_accounting(form_class):
    html = str(form_class(initial={"scheme": "cash"}))
    assert 'value="cash"' not in html and "Cash accounting (payment dates)" not in html
    assert 'name="scheme" value="standard"' in html
    form = form_class(data={"scheme": "cash", "stagger": "stagger_1", "first_period_start": "2025-01-01"})
    assert not form.is_valid() and CASH_NOT_SUPPORTED in str(form.errors["scheme"])


def test_the_wizard_step_says_so_where_the_choice_was(owner_client, url, advance):
    advance(Step.VAT)
    body = owner_client.get(url("vat")).content.decode()
    assert CASH_NOT_SUPPORTED in body and 'value="cash"' not in body


def test_the_settings_page_says_so_and_refuses_cash(verified_client, owner_a, tenant_a, in_tenant):
    client = verified_client(owner_a)
    body = client.get(filing_url("settings", tenant_a)).content.decode()
    assert CASH_NOT_SUPPORTED in body and 'value="cash"' not in body
    posted = {"scheme": "cash", "stagger": "stagger_1", "first_period_start": "2025-01-01"}
    response = client.post(filing_url("settings", tenant_a), posted)
    assert response.status_code == 400 and CASH_NOT_SUPPORTED in response.content.decode()
    with in_tenant(tenant_a):
        assert not VatSettings.objects.exists()


def test_a_business_stored_with_cash_is_told_on_its_vat_pages(verified_client, owner_a, tenant_a):
    with tenant_context(tenant_a):
        VatSettingsFactory(tenant=tenant_a, scheme="cash", first_period_start=date(2025, 1, 1))
    client = verified_client(owner_a)
    home = client.get(filing_url("home", tenant_a)).content.decode()
    assert 'data-testid="cash-scheme"' in home and "does not support yet" in home
    page = client.get(filing_url("settings", tenant_a)).content.decode()
    assert 'data-testid="cash-scheme"' in page and 'name="scheme" value="standard"' in page
    saved = client.post(
        filing_url("settings", tenant_a),
        {"scheme": "standard", "stagger": "stagger_1", "first_period_start": "2025-01-01"},
    )
    assert saved.status_code == 302
    with tenant_context(tenant_a):
        assert VatSettings.objects.get().scheme == "standard"
    assert 'data-testid="cash-scheme"' not in client.get(filing_url("home", tenant_a)).content.decode()
