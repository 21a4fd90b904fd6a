"""The Bank page's import says what happened in the right tone: nothing imported is not a green success."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.ledger.services import bank_import
from apps.ledger.services.bank_import import SyncResult

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("result", "level"),
    [
        (SyncResult(), "warning"),
        (SyncResult(accounts=["acc-1"], already_held=3), "info"),
        (SyncResult(accounts=["acc-1"], imported=2), "success"),
    ],
)
def test_import_message_level(client, bookkeeper_a, chart_a, monkeypatch, result, level):
    monkeypatch.setattr(bank_import, "sync_bank_feed", lambda **_: result)
    client.force_login(bookkeeper_a)
    response = client.post(reverse("ledger:bank-import", kwargs={"tenant_slug": chart_a.slug}), follow=True)
    body = response.content.decode()
    assert response.status_code == 200
    assert f'<li class="{level}">' in body and result.summary in body
