from __future__ import annotations

import pytest

from apps.ledger.services import seed_chart_of_accounts
from apps.tenancy.context import tenant_context


@pytest.fixture
def chart_a(tenant_a):
    with tenant_context(tenant_a):
        seed_chart_of_accounts(tenant_a)
    return tenant_a


@pytest.fixture
def chart_b(tenant_b):
    with tenant_context(tenant_b):
        seed_chart_of_accounts(tenant_b)
    return tenant_b


def entry_lines(entry) -> list[tuple[str, str, str]]:
    """(account, debit, credit) as strings, in line order: compact for exact assertions."""
    return [
        (line.account.code, f"{line.debit:.2f}", f"{line.credit:.2f}")
        for line in entry.lines.select_related("account").order_by("position")
    ]


@pytest.fixture(autouse=True)
def ledger_thresholds_only():
    """The ledger on its own: no per-field bars from the documents app's calibration table (decision 0032), so
    these tests' hand-made confidences meet the tenant threshold alone; test_review_gate.py passes its own bars."""
    from apps.ledger.services import rules

    registered = rules._field_thresholds
    rules.register_field_thresholds(dict)
    yield
    rules.register_field_thresholds(registered)
