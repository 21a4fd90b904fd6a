"""bench_reports prints a figure and a query count per report, and the ledger zip's size and memory."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def test_it_prints_each_report_on_the_business_with_most_lines(tenant_with_books, tenant_b):
    out = io.StringIO()
    call_command("bench_reports", "--repeat", "1", stdout=out)
    text = out.getvalue()
    assert text.startswith(f"{tenant_with_books.tenant.slug}: 17 journal lines, the last dated 2025-02-14")
    for name in ("P&L, a quarter", "balance sheet", "aged payables", "VAT detail totals", "ledger zip:"):
        assert name in text
    assert "3 queries" in text


def test_it_refuses_an_unknown_or_empty_business(tenant_b):
    with pytest.raises(CommandError, match="No business nowhere"):
        call_command("bench_reports", "--tenant", "nowhere")
    with pytest.raises(CommandError, match="has no journal lines"):
        call_command("bench_reports", "--tenant", tenant_b.slug)
