"""The period page's presenter: its buttons come from the available actions, with the reason when one is not."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from apps.filing.domain import ReturnStatus
from apps.filing.models import VatSettings
from apps.filing.presenters import Viewer, period_page
from apps.filing.services.returns import send_for_approval
from apps.integrations.hmrc.models import HmrcConnection
from apps.tenancy.context import tenant_context
from tests.filing.conftest import post_worked_example

pytestmark = pytest.mark.django_db


def _page(tenant, obligation, user, *, can_approve: bool = True) -> dict:
    with tenant_context(tenant):
        return period_page(obligation, tenant=tenant, viewer=Viewer(user.pk, True, can_approve))


def test_a_ready_draft_offers_approval_and_four_eyes_offers_sending_for_approval(tenant_a, owner_a, books_a):
    with tenant_context(tenant_a):
        HmrcConnection.objects.create(tenant=tenant_a, status="connected", connected_by=owner_a)
        post_worked_example(date(2025, 2, 14), actor=owner_a)
    page = _page(tenant_a, books_a[0], owner_a)
    assert page["blockers"] == [] and page["show_approval"] and not page["offer_prepare"]
    assert page["actions"]["approve"].available and not page["actions"]["send_now"].available
    with tenant_context(tenant_a):
        VatSettings.objects.update(four_eyes=True)
    page = _page(tenant_a, books_a[0], owner_a)
    assert page["offer_prepare"] and not page["actions"]["approve"].available
    assert "send the return for approval first" in page["actions"]["approve"].reason


def test_frozen_figures_without_the_connection_say_why_they_cannot_be_approved(
    tenant_a, owner_a, books_a, verified_client
):
    with tenant_context(tenant_a):
        post_worked_example(date(2025, 2, 14), actor=owner_a)
    page = _page(tenant_a, books_a[0], owner_a)
    with tenant_context(tenant_a):
        # Frozen without the connection (it only blocks the approval), then it is still missing.
        send_for_approval(obligation=books_a[0], actor=owner_a, expected_fingerprint=page["fingerprint"])
    page = _page(tenant_a, books_a[0], owner_a)
    assert page["vat_return"].status == ReturnStatus.AWAITING_APPROVAL and page["show_approval"]
    approve = page["actions"]["approve"]
    assert not approve.available and "Connect Strongroom to HMRC" in approve.reason
    assert page["actions"]["return_to_draft"].available
    url = reverse("filing:period", kwargs={"tenant_slug": tenant_a.slug, "period_key": books_a[0].period_key})
    html = verified_client(owner_a).get(url).content.decode()
    assert 'data-testid="approve-unavailable"' in html and "Connect Strongroom to HMRC" in html
    assert 'id="approve-form"' not in html and "Back to draft" in html
