"""HMRC conformance: every code path that calls the VAT API sends the complete header set of its method.

The call sites are discovered from the code (``tests/hmrc_call_sites.py``):
a new one that is not listed fails here. Each listed one is driven through
its real entry point (a page, the wizard, a beat task, the filing worker,
the Connect callback, the synthetic monitor) against the local HMRC; every
request that reaches HMRC is recorded with the product function that made
it, and its headers are checked against HMRC's rules for the connection
method the entry point must use: WEB_APP_VIA_SERVER for anything a person
started (the approval's device data for a submission sent later by a
worker), BATCH_PROCESS_DIRECT for what no person started.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from django.urls import reverse
from stdnum.gb import vat as gb_vat

from apps.filing import calculation
from apps.filing.domain import hmrc_body
from apps.filing.models import VatReturn, VatSettings
from apps.filing.services.returns import fingerprint
from apps.integrations import http
from apps.integrations.hmrc.models import HmrcConnection
from apps.integrations.hmrc.vat_client import HmrcVatClient
from apps.onboarding.models import Step
from apps.onboarding.services import progress as onboarding
from apps.tenancy.context import tenant_context
from tests import hmrc_call_sites as sites
from tests.filing.conftest import sale
from tests.fph import FORM, HTMX, SYSTEM
from tests.helpers import commit_data_keys
from tests.integrations.hmrc_helpers import grant_at_sandbox

pytestmark = pytest.mark.django_db


@dataclass
class Call:
    site: tuple[str, str] | None
    operation: str
    headers: dict[str, str]


@pytest.fixture
def hmrc_calls(monkeypatch):
    """Every VAT API request from here on, with the product function that made it and the headers sent."""
    calls: list[Call] = []
    original = http.call

    def recording(client, operation, method, url, **kwargs):
        if client == "hmrc":
            headers = {k: v for k, v in (kwargs.get("headers") or {}).items() if k.startswith("Gov-")}
            calls.append(Call(sites.product_call_site(skip=1), operation, headers))
        return original(client, operation, method, url, **kwargs)

    monkeypatch.setattr(http, "call", recording)
    return calls


def _url(name: str, tenant, **kwargs) -> str:
    return reverse(name, kwargs={"tenant_slug": tenant.slug, **kwargs})


def _vrn(tenant) -> str:
    return gb_vat.compact(tenant.vat_number)[:9]


# --- entry points -------------------------------------------------------------------------------


def _sync_button(ctx) -> None:
    response = ctx.owner.post(_url("filing:sync", ctx.tenant), FORM, follow=True)
    assert "VAT period(s) from HMRC" in response.content.decode()


def _onboarding_vat_step(ctx) -> None:
    from apps.tenancy.models import Tenant

    Tenant.objects.filter(pk=ctx.tenant.pk).update(status=Tenant.Status.ONBOARDING)  # a business being set up
    with tenant_context(ctx.tenant):
        progress = onboarding.start_onboarding(tenant=ctx.tenant, actor=ctx.user)
        for step in (Step.BUSINESS, Step.IDENTIFIERS, Step.KYC, Step.HMRC):
            onboarding.complete_step(progress, step, actor=ctx.user, data={})
        onboarding.save_progress(progress)
    form = {"scheme": "standard", "stagger": "stagger_1", "first_period_start": "2025-01-01", **FORM}
    response = ctx.owner.post(_url("onboarding:vat", ctx.tenant), form)
    assert response.status_code == 302, response.content[:800]


def _beat_sync(ctx) -> None:
    from apps.filing.tasks import sync_tenant_obligations

    assert sync_tenant_obligations(tenant_id=str(ctx.tenant.pk)) > 0


def _financials(ctx) -> None:
    from unittest import mock

    from apps.filing.tasks import refresh_period_financials

    queued: list[dict] = []
    with mock.patch.object(refresh_period_financials, "apply_async", lambda kwargs, **_: queued.append(kwargs)):
        response = ctx.owner.get(_url("filing:financials", ctx.tenant, period_key=ctx.period.period_key), **HTMX)
    assert response.status_code == 200 and "field-error" not in response.content.decode()
    assert not ctx.calls, "the web request itself never calls HMRC"
    assert len(queued) == 1  # the read is queued for the integrations worker, with the person's context
    refresh_period_financials.apply(kwargs=queued[0])  # what the worker runs, in this process
    response = ctx.owner.get(_url("filing:financials", ctx.tenant, period_key=ctx.period.period_key), **HTMX)
    assert "As of" in response.content.decode() and "field-error" not in response.content.decode()


def _approve(ctx) -> None:
    from apps.filing.tasks import submit_vat_return

    with tenant_context(ctx.tenant):
        boxes = calculation.figures_for(ctx.period, None, VatSettings.objects.first()).boxes
    with ctx.capture() as queued:
        response = ctx.owner.post(
            _url("filing:approve", ctx.tenant, period_key=ctx.period.period_key),
            {"fingerprint": fingerprint(boxes), "declaration": "on", **FORM},
        )
    assert response.status_code == 302, response.content[:800]
    assert len(queued) == 1  # the submission is queued for the filing worker
    with tenant_context(ctx.tenant):
        vat_return = VatReturn.objects.get(obligation=ctx.period)
    # What the worker runs, in this process (with a broker configured nothing would run it here).
    submit_vat_return.apply(kwargs={"tenant_id": str(ctx.tenant.pk), "return_id": str(vat_return.pk)})
    with tenant_context(ctx.tenant):
        vat_return.refresh_from_db()
        assert vat_return.status == "submitted"


def _approve_when_hmrc_already_holds_it(ctx) -> None:
    with tenant_context(ctx.tenant):
        boxes = calculation.figures_for(ctx.period, None, VatSettings.objects.first()).boxes
        HmrcVatClient(ctx.tenant, initiator=SYSTEM).submit_return(
            _vrn(ctx.tenant), hmrc_body(ctx.period.period_key, boxes)
        )
    ctx.calls.clear()  # that copy was the test's set-up, not a product call
    _approve(ctx)


def _connect(ctx) -> None:
    with tenant_context(ctx.tenant):
        HmrcConnection.objects.filter(tenant=ctx.tenant).delete()
    started = ctx.owner.post(_url("integrations:hmrc-connect", ctx.tenant), FORM)
    answer = grant_at_sandbox(started["Location"], vrn=_vrn(ctx.tenant))
    callback = ctx.owner.get(_url("integrations:hmrc-callback", ctx.tenant), answer)
    assert callback.status_code == 302
    with tenant_context(ctx.tenant):
        assert HmrcConnection.objects.get(tenant=ctx.tenant).verified_vrn == _vrn(ctx.tenant)


def _synthetic(ctx) -> None:
    from django.core.management import call_command

    from apps.monitors.synthetic import check_filing

    call_command("ensure_synthetic_tenant", verbosity=0)
    ctx.calls.clear()
    check_filing()


DRIVERS = {
    "VAT page: Check HMRC for VAT periods": _sync_button,
    "onboarding wizard: VAT step": _onboarding_vat_step,
    "beat: scheduled obligations sync": _beat_sync,
    "period page: payments and liabilities (htmx), read by the integrations worker": _financials,
    "approval, then the filing worker submits": _approve,
    "filing worker reads back a return HMRC already holds": _approve_when_hmrc_already_holds_it,
    "Connect to HMRC: the grant's VRN checked at the callback": _connect,
    "synthetic monitor: filing check": _synthetic,
}
ENTRY_POINTS = {entry: method for table in sites.CALL_SITES.values() for entry, method in table.items()}


def test_every_call_site_in_the_code_is_listed_and_driven(capsys):
    found = sites.discover()
    with capsys.disabled():
        print("\nHMRC VAT API call sites (from the code) and the entry points that reach them:")
        for site in sorted(found | set(sites.CALL_SITES)):
            for entry, method in sites.CALL_SITES.get(site, {"NOT LISTED": "?"}).items():
                print(f"  {site[0]}:{site[1]}  <-  {entry}  [{method}]")
    assert found == set(sites.CALL_SITES), (
        f"unlisted: {found - set(sites.CALL_SITES)}, gone: {set(sites.CALL_SITES) - found}"
    )
    assert set(DRIVERS) == set(ENTRY_POINTS)


@dataclass
class Context:
    tenant: object
    user: object
    owner: object
    period: object
    calls: list
    capture: object


@pytest.mark.parametrize("entry", sorted(DRIVERS))
def test_each_entry_point_sends_the_complete_headers_of_its_method(
    entry, tenant_a, owner_a, hmrc_a, verified_client, hmrc_calls, django_capture_on_commit_callbacks
):
    commit_data_keys(tenant_a, django_capture_on_commit_callbacks)  # sealed fraud context: key cached as on commit
    with tenant_context(tenant_a):
        sale(date(2025, 2, 1), "1000.00", "200.00", actor=owner_a)
    hmrc_calls.clear()
    owner = verified_client(owner_a)
    owner.defaults.update(REMOTE_ADDR="203.0.113.9", REMOTE_PORT="52311")  # what a real server passes on
    ctx = Context(tenant_a, owner_a, owner, hmrc_a[0], hmrc_calls, django_capture_on_commit_callbacks)
    DRIVERS[entry](ctx)

    method = ENTRY_POINTS[entry]
    expected_sites = {site for site, table in sites.CALL_SITES.items() if entry in table}
    assert hmrc_calls, f"{entry}: no call reached HMRC"
    assert expected_sites <= {call.site for call in hmrc_calls}, [call.site for call in hmrc_calls]
    for call in hmrc_calls:
        assert call.site in sites.CALL_SITES, f"HMRC called from an unlisted place: {call.site}"
        assert set(call.headers) == sites.REQUIRED[method], (
            f"{entry} → {call.operation}: missing {sorted(sites.REQUIRED[method] - set(call.headers))}, "
            f"not for this method {sorted(set(call.headers) - sites.REQUIRED[method])}"
        )
        assert sites.check_values(method, call.headers) == [], (entry, call.operation, call.headers)


def test_a_call_without_an_initiator_is_refused_before_anything_is_sent(tenant_a, hmrc_calls):
    from apps.integrations.hmrc.initiator import InitiatorMissing

    with pytest.raises(InitiatorMissing):
        HmrcVatClient(tenant_a)
    assert hmrc_calls == []


def test_the_approval_without_browser_facts_does_not_reach_hmrc(
    tenant_a, owner_a, hmrc_a, verified_client, hmrc_calls, django_capture_on_commit_callbacks
):
    """Without JavaScript facts the approval is refused with the reason; HMRC is never called as if they were there."""
    with tenant_context(tenant_a):
        sale(date(2025, 2, 1), "1000.00", "200.00", actor=owner_a)
        boxes = calculation.figures_for(hmrc_a[0], None, VatSettings.objects.first()).boxes
    hmrc_calls.clear()
    owner = verified_client(owner_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner.post(
            _url("filing:approve", tenant_a, period_key=hmrc_a[0].period_key),
            {"fingerprint": fingerprint(boxes), "declaration": "on"},
        )
    assert response.status_code == 400
    assert "JavaScript" in response.content.decode()
    assert hmrc_calls == []
    with tenant_context(tenant_a):
        assert not VatReturn.objects.filter(obligation=hmrc_a[0], status="approved").exists()
