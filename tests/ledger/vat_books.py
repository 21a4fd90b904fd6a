"""A business with its chart, VAT settings and the 2025 quarters, for tests where the VAT periods matter."""

from __future__ import annotations

from datetime import date

from apps.ledger.services import seed_chart_of_accounts
from apps.tenancy.context import tenant_context
from tests.factories.filing import VatSettingsFactory, quarter


def quarters_of_2025(tenant) -> list:
    """Chart, standard-scheme settings from 1 Jan 2025, and the obligations for Q1, Q2 and Q3 2025."""
    with tenant_context(tenant):
        seed_chart_of_accounts(tenant)
        VatSettingsFactory(tenant=tenant)
        return [quarter(tenant, date(2025, m, 1)) for m in (1, 4, 7)]
