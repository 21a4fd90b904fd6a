"""PostgreSQL: people acting on the same bank line at once. Exactly one action wins; numbering stays gap-free."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connections

from apps.ledger import services
from apps.ledger.models import BankTransaction, JournalEntry
from apps.ledger.services.bank import BankLineError, ignore_bank_line, post_bank_line
from apps.tenancy.context import tenant_context
from tests.factories import BankTransactionFactory, TenantFactory

pytestmark = pytest.mark.postgres


def test_concurrent_posts_and_ignores_of_one_line_leave_one_outcome(committed_db):
    tenant = TenantFactory()
    with tenant_context(tenant):
        services.seed_chart_of_accounts(tenant)
    line = BankTransactionFactory(tenant=tenant, amount=Decimal("-60.00"))
    other = BankTransactionFactory(tenant=tenant, amount=Decimal("-6.00"))
    actions = ["post"] * 4 + ["ignore"] * 2 + ["other"]
    won: list[str] = []
    refused: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(len(actions))

    def work(action: str) -> None:
        try:
            start.wait()
            with tenant_context(tenant):
                if action == "ignore":
                    ignore_bank_line(line=line, reason="duplicate", actor=None)
                elif action == "post":
                    post_bank_line(line=line, account_code="461", vat_treatment="standard", actor=None)
                else:
                    post_bank_line(line=other, account_code="461", vat_treatment="zero", actor=None)
            won.append(action)
        except BankLineError:
            refused.append(action)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(a,)) for a in actions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert "other" in won and len(won) == 2 and len(refused) == 5
    with tenant_context(tenant):
        line.refresh_from_db()
        numbers = sorted(JournalEntry.objects.values_list("number", flat=True))
        assert BankTransaction.objects.filter(status="unposted").count() == 0
    winner = next(a for a in won if a != "other")
    assert line.status == ("posted" if winner == "post" else "ignored")
    assert numbers == ([1, 2] if winner == "post" else [1])  # a refused posting rolls its number back
