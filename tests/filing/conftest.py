from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from apps.filing.domain import VatBoxes
from apps.ledger.services import seed_chart_of_accounts
from apps.ledger.services.journal import LineSpec
from apps.ledger.services.posting import post_manual_entry
from apps.tenancy.context import tenant_context
from tests.factories.filing import VatSettingsFactory, quarter

D = Decimal
# The worked example (docs/contracts/uk-vat-rules.md): the boxes HMRC's own example return carries.
WORKED_EXAMPLE_BOXES = VatBoxes(
    box1=D("2050.00"), box2=D("0.00"), box3=D("2050.00"), box4=D("800.00"), box5=D("1250.00"),
    box6=D("14500"), box7=D("4500"), box8=D("0"), box9=D("0"),
)  # fmt: skip


@pytest.fixture
def books_a(tenant_a, owner_a):
    """Tenant A with its chart, VAT settings (quarters from 1 Jan 2025) and the first three quarters' obligations."""
    with tenant_context(tenant_a):
        seed_chart_of_accounts(tenant_a)
        VatSettingsFactory(tenant=tenant_a)
        periods = [quarter(tenant_a, date(2025, m, 1)) for m in (1, 4, 7)]
    return periods


def sale(when: date, net: str, vat: str, *, treatment: str = "standard", actor=None):
    """A sales invoice as the posting conventions write it (Dr 610 gross, Cr 200 net, Cr 821 VAT)."""
    gross = D(net) + D(vat)
    lines = [LineSpec("610", debit=gross), LineSpec("200", credit=D(net), vat_treatment=treatment)]
    if D(vat):
        lines.append(LineSpec("821", credit=D(vat)))
    return post_manual_entry(entry_date=when, description=f"Sale {net}", lines=lines, actor=actor)


def purchase(when: date, net: str, vat: str, *, treatment: str = "standard", account: str = "429", actor=None):
    gross = D(net) + D(vat)
    lines = [LineSpec(account, debit=D(net), vat_treatment=treatment)]
    if D(vat):
        lines.append(LineSpec("820", debit=D(vat)))
    lines.append(LineSpec("800", credit=gross))
    return post_manual_entry(entry_date=when, description=f"Purchase {net}", lines=lines, actor=actor)


def post_worked_example(when: date, actor=None) -> None:
    """The worked example through the ledger's own posting service."""
    sale(when, "10000.00", "2000.00", actor=actor)
    sale(when, "1000.00", "50.00", treatment="reduced", actor=actor)
    sale(when, "3000.00", "0.00", treatment="zero", actor=actor)
    sale(when, "500.00", "0.00", treatment="exempt", actor=actor)
    purchase(when, "4000.00", "800.00", actor=actor)
    purchase(when, "200.00", "0.00", treatment="zero", actor=actor)
    purchase(when, "300.00", "0.00", treatment="exempt", actor=actor)


def connect_hmrc(tenant, user, *, site_url: str) -> None:
    """Drive the real OAuth flow against the sandbox: authorise, grant for the tenant's VRN, exchange the code."""
    from urllib.parse import parse_qsl, urlparse

    from django.test import Client
    from stdnum.gb import vat as gb_vat

    from apps.integrations.hmrc.oauth import complete_authorisation, start_authorisation

    redirect_uri = f"{site_url}/t/{tenant.slug}/integrations/hmrc/callback/"
    with tenant_context(tenant):
        url = start_authorisation(tenant=tenant, user=user, redirect_uri=redirect_uri)
    parsed = urlparse(url)
    answer = Client().post(
        parsed.path, {**dict(parse_qsl(parsed.query)), "action": "grant", "vrn": gb_vat.compact(tenant.vat_number)[:9]}
    )
    assert answer.status_code == 302, answer.content[:500]
    returned = dict(parse_qsl(urlparse(answer["Location"]).query))
    with tenant_context(tenant):
        complete_authorisation(
            tenant=tenant,
            user=user,
            state=returned["state"],
            code=returned["code"],
            error=None,
            redirect_uri=redirect_uri,
        )


@pytest.fixture
def hmrc_a(tenant_a, owner_a, books_a, sandbox_http, settings):
    """Tenant A's books, connected to the sandbox HMRC through the OAuth flow."""
    connect_hmrc(tenant_a, owner_a, site_url=settings.SITE_URL)
    return books_a
