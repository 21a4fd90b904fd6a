"""Right after Connect, HMRC is asked whether the grant covers this business's VRN.

A grant for another VRN never shows as Connected.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from stdnum.gb import vat as gb_vat

from apps.audit.models import AuditEvent
from apps.integrations.hmrc import grant_check
from apps.integrations.hmrc.initiator import UserInitiated
from apps.integrations.hmrc.models import HmrcConnection
from apps.sandbox.fixtures import DEMO_VRN
from apps.tenancy.context import tenant_context
from tests.fph import FORM
from tests.integrations.hmrc_helpers import grant_at_sandbox

pytestmark = pytest.mark.django_db


def _url(name, tenant):
    return reverse(name, kwargs={"tenant_slug": tenant.slug})


def _vrn(tenant) -> str:
    return gb_vat.compact(tenant.vat_number)[:9]


def _connect_through_the_pages(client, tenant, *, vrn: str, form=FORM):
    started = client.post(_url("integrations:hmrc-connect", tenant), form)
    assert started.status_code == 302
    answer = grant_at_sandbox(started["Location"], vrn=vrn)
    return client.get(_url("integrations:hmrc-callback", tenant), answer, follow=True)


def _connection(tenant) -> HmrcConnection:
    with tenant_context(tenant):
        return HmrcConnection.objects.get(tenant=tenant)


def test_a_grant_for_this_business_s_vrn_is_connected_and_confirmed(tenant_a, owner_a, verified_client, sandbox_http):
    page = _connect_through_the_pages(verified_client(owner_a), tenant_a, vrn=_vrn(tenant_a))
    text = page.content.decode()
    assert "Connected to HMRC. Strongroom can now fetch" in text
    connection = _connection(tenant_a)
    assert connection.status == "connected" and connection.verified_vrn == _vrn(tenant_a)
    assert f"HMRC confirmed the permission covers GB {_vrn(tenant_a)}" in text


def test_a_grant_for_another_vrn_is_set_aside_with_the_reason(tenant_a, owner_a, verified_client, sandbox_http):
    assert _vrn(tenant_a) != DEMO_VRN
    page = _connect_through_the_pages(verified_client(owner_a), tenant_a, vrn=DEMO_VRN)
    text = page.content.decode()
    assert "different VAT registration number" in text
    assert "Connected to HMRC. Strongroom can now fetch" not in text
    assert "Granted for another VAT number" in text and "Connect to HMRC" in text
    with tenant_context(tenant_a):
        connection = HmrcConnection.objects.get(tenant=tenant_a)
        assert connection.status == "wrong_vrn" and not connection.is_connected
        assert connection.access_token == "" and connection.refresh_token == ""
        assert AuditEvent.objects.filter(action="integrations.hmrc.wrong_vrn", tenant_id=tenant_a.pk).exists()


def test_without_browser_facts_at_connect_hmrc_is_not_asked_and_the_page_says_it_is_unconfirmed(
    tenant_a, owner_a, verified_client, sandbox_http
):
    page = _connect_through_the_pages(verified_client(owner_a), tenant_a, vrn=_vrn(tenant_a), form={})
    text = page.content.decode()
    assert "could not yet confirm" in text
    assert not [r for r in sandbox_http.requests if "/obligations" in r.url]
    assert _connection(tenant_a).verified_vrn == ""


def test_a_business_without_a_vat_number_is_checked_later(tenant_a, hmrc_connected):
    tenant_a.vat_number = ""
    assert grant_check.check_granted_vrn(tenant=tenant_a, initiator=UserInitiated({})) == grant_check.NO_VRN


def test_the_first_sync_sets_aside_a_grant_for_another_vrn(tenant_a, owner_a, hmrc_connected, rf):
    """hmrc_connected granted DEMO_VRN; tenant_a's own number is another one: the sync finds out and says so."""
    from apps.filing.services.obligations import sync_obligations
    from apps.integrations.errors import HmrcRejected
    from tests.fph import SYSTEM

    with pytest.raises(HmrcRejected) as refused:
        sync_obligations(tenant=tenant_a, initiator=SYSTEM)
    assert refused.value.code == "CLIENT_OR_AGENT_NOT_AUTHORISED"
    assert _connection(tenant_a).status == "wrong_vrn"
