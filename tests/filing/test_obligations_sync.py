"""Obligations: every open period however old (status=O), plus the recent window, merged by period key."""

from __future__ import annotations

from datetime import date

import pytest

from apps.filing.models import VatObligation
from apps.filing.services.obligations import read_obligations, sync_obligations
from apps.integrations.hmrc.vat_client import Obligation
from apps.tenancy.context import tenant_context
from tests.fph import SYSTEM

pytestmark = pytest.mark.django_db

OLD_OPEN = Obligation("23A1", date(2023, 1, 1), date(2023, 3, 31), date(2023, 5, 7), "O")
RECENT_FILED = Obligation("25A4", date(2025, 10, 1), date(2025, 12, 31), date(2026, 2, 7), "F", date(2026, 2, 1))
RECENT_OPEN = Obligation("26A1", date(2026, 1, 1), date(2026, 3, 31), date(2026, 5, 7), "O")


class FakeClient:
    def __init__(self) -> None:
        self.calls: list[dict] = []

    def obligations(self, vrn, *, from_date=None, to_date=None, status=None):
        self.calls.append({"from": from_date, "to": to_date, "status": status})
        if status == "O":
            return [OLD_OPEN, RECENT_OPEN]
        return [RECENT_FILED, RECENT_OPEN]


def test_an_open_period_that_ended_long_ago_is_found_by_asking_for_open_ones():
    client = FakeClient()
    found = read_obligations(client, "123456789", date(2026, 4, 15))
    assert [o.period_key for o in found] == ["23A1", "25A4", "26A1"]  # by start, each once
    assert {"from": None, "to": None, "status": "O"} in client.calls
    window = next(c for c in client.calls if c["status"] is None)
    assert window["from"] < window["to"] and (window["to"] - window["from"]).days <= 366


def test_the_sync_asks_hmrc_for_open_obligations_without_dates(tenant_a, owner_a, hmrc_a, sandbox_http):
    stored = sync_obligations(tenant=tenant_a, initiator=SYSTEM, actor=owner_a)
    asked = [r.url for r in sandbox_http.requests if "/obligations" in r.url]
    assert any(url.endswith("?status=O") for url in asked), asked
    assert any("from=" in url and "to=" in url for url in asked), asked
    with tenant_context(tenant_a):
        assert VatObligation.objects.filter(pk__in=[o.pk for o in stored]).count() == len(stored) > 0
