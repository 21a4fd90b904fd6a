"""``__in_rows_of``: the same rows as ``__in`` on every database; on PostgreSQL the subquery runs first."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum

import apps.core.lookups  # noqa: F401  (registers __in_rows_of)
from apps.ledger.models import JournalEntry, JournalLine

pytestmark = pytest.mark.django_db


def test_same_rows_as_a_plain_in_and_never_another_business_s(tenant_a, tenant_with_books, tenant_b, in_tenant):
    with in_tenant(tenant_a):
        entries = JournalEntry.objects.filter(number__gt=1).values("pk")
        plain = set(JournalLine.objects.filter(entry_id__in=entries).values_list("pk", flat=True))
        first = JournalLine.objects.filter(entry_id__in_rows_of=entries)
        assert plain and set(first.values_list("pk", flat=True)) == plain
        assert set(JournalLine.objects.filter(entry_id__in_rows_of=JournalEntry.objects.none().values("pk"))) == set()
        assert first.aggregate(d=Sum("debit"))["d"] > Decimal(0)
        sql = str(first.query)
    if connection.vendor == "postgresql":
        assert "= ANY(ARRAY(SELECT" in sql
    else:
        assert " IN (SELECT" in sql
    with in_tenant(tenant_b):
        assert not JournalLine.objects.filter(entry_id__in_rows_of=entries).exists()
