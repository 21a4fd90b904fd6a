"""A business's books for tests: chart of accounts, VAT settings and periods, and posted journals.

Builders here post through the ledger's own services (as the application does), so the figures obey
every posting rule. The fixtures in tests/conftest.py (``books_a``, ``tenant_with_books``) use them;
tests that need a different shape call them directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from apps.filing.domain import VatBoxes
from apps.ledger.services import seed_chart_of_accounts
from apps.ledger.services.journal import LineSpec
from apps.ledger.services.posting import post_manual_entry
from apps.tenancy.context import tenant_context
from tests.factories.filing import VatSettingsFactory, quarter

D = Decimal
# The worked example of docs/contracts/uk-vat-rules.md: the boxes HMRC's own example return carries.
WORKED_EXAMPLE_BOXES = VatBoxes(
    box1=D("2050.00"), box2=D("0.00"), box3=D("2050.00"), box4=D("800.00"), box5=D("1250.00"),
    box6=D("14500"), box7=D("4500"), box8=D("0"), box9=D("0"),
)  # fmt: skip


def vat_books(tenant) -> list:
    """Chart, standard-scheme settings from 1 Jan 2025, and the obligations for Q1, Q2 and Q3 2025."""
    with tenant_context(tenant):
        seed_chart_of_accounts(tenant)
        VatSettingsFactory(tenant=tenant)
        return [quarter(tenant, date(2025, m, 1)) for m in (1, 4, 7)]


def sale(when: date, net: str, vat: str, *, treatment: str = "standard", actor=None):
    """A sales invoice as the posting conventions write it (Dr 610 gross, Cr 200 net, Cr 821 VAT)."""
    gross = D(net) + D(vat)
    lines = [LineSpec("610", debit=gross), LineSpec("200", credit=D(net), vat_treatment=treatment)]
    if D(vat):
        lines.append(LineSpec("821", credit=D(vat)))
    return post_manual_entry(entry_date=when, description=f"Sale {net}", lines=lines, actor=actor)


def purchase(when: date, net: str, vat: str, *, treatment: str = "standard", account: str = "429", actor=None):
    """A purchase invoice (Dr expense net, Dr 820 VAT, Cr 800 gross)."""
    gross = D(net) + D(vat)
    lines = [LineSpec(account, debit=D(net), vat_treatment=treatment)]
    if D(vat):
        lines.append(LineSpec("820", debit=D(vat)))
    lines.append(LineSpec("800", credit=gross))
    return post_manual_entry(entry_date=when, description=f"Purchase {net}", lines=lines, actor=actor)


def post_worked_example(when: date, actor=None) -> list:
    """The worked example through the ledger's own posting service; returns the seven entries."""
    return [
        sale(when, "10000.00", "2000.00", actor=actor),
        sale(when, "1000.00", "50.00", treatment="reduced", actor=actor),
        sale(when, "3000.00", "0.00", treatment="zero", actor=actor),
        sale(when, "500.00", "0.00", treatment="exempt", actor=actor),
        purchase(when, "4000.00", "800.00", actor=actor),
        purchase(when, "200.00", "0.00", treatment="zero", actor=actor),
        purchase(when, "300.00", "0.00", treatment="exempt", actor=actor),
    ]


@dataclass
class Books:
    """A tenant with books: its VAT periods (Q1–Q3 2025) and the entries posted in them."""

    tenant: object
    owner: object
    periods: list
    entries: list = field(default_factory=list)

    @property
    def q1(self):
        return self.periods[0]


def books_with_worked_example(tenant, owner, *, when: date = date(2025, 2, 14)) -> Books:
    """vat_books plus the worked example posted in Q1 by the owner: Q1's return is WORKED_EXAMPLE_BOXES."""
    periods = vat_books(tenant)
    with tenant_context(tenant):
        entries = post_worked_example(when, actor=owner)
    return Books(tenant=tenant, owner=owner, periods=periods, entries=entries)
