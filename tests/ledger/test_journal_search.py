"""Journal search by narration words and reference over blind-index tokens, with a bounded count (issue #13)."""

from __future__ import annotations

import importlib
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse

from apps.ledger import services
from apps.ledger.list_selectors import JournalFilters, journal_match_count, journal_page
from apps.ledger.models import JournalSearchToken

pytestmark = pytest.mark.django_db
D = Decimal


def post(owner, description: str, amount: str = "10.00", day: date = date(2025, 3, 1)):
    return services.post_manual_entry(
        entry_date=day, description=description, actor=owner,
        lines=[services.LineSpec("461", debit=D(amount)), services.LineSpec("090", credit=D(amount))],
    )  # fmt: skip


def found(**kw) -> set:
    return {e.pk for e in journal_page(JournalFilters(**kw), cursor=None, size=200).items}


@pytest.fixture
def journal(chart_a, owner_a, in_tenant):
    with in_tenant(chart_a):
        return {
            "quill": post(owner_a, "Quill Stationers: paper, invoice INV-42", "120.00"),
            "granary": post(owner_a, "Granary Bakery staff lunch", "8.40", date(2025, 4, 2)),
            "quill_refund": post(owner_a, "Refund from Quill Stationers", "8.40"),
        }


def test_narration_words_each_narrow_the_journal(chart_a, in_tenant, journal):
    with in_tenant(chart_a):
        assert found(text="quill") == {journal["quill"].pk, journal["quill_refund"].pk}
        assert found(text="QUILL refund") == {journal["quill_refund"].pk}
        assert found(text="quill", amount_min=D("100")) == {journal["quill"].pk}
        assert found(text="bakery", date_from=date(2025, 4, 1)) == {journal["granary"].pk}
        assert found(text="quil") == set()  # whole words only
        assert found(text="!!") == set()


def test_reference_is_the_number_or_a_word_of_the_narration(chart_a, in_tenant, journal):
    with in_tenant(chart_a):
        assert found(reference="INV-42") == {journal["quill"].pk}
        assert found(reference=str(journal["granary"].number)) == {journal["granary"].pk}
        assert found(reference="two words") == set()


def test_the_count_is_exact_then_bounded(chart_a, in_tenant, journal):
    with in_tenant(chart_a):
        assert journal_match_count(JournalFilters(text="quill")) == (2, False)
        assert journal_match_count(JournalFilters(text="quill"), limit=1) == (1, True)


def test_the_page_shows_the_count_and_keeps_keyset_links(client, bookkeeper_a, chart_a, journal):
    client.force_login(bookkeeper_a)
    base = reverse("ledger:journal", kwargs={"tenant_slug": chart_a.slug})
    body = client.get(base + "?q=quill&size=1").content.decode()
    assert "2 entries match" in body
    assert 'rel="next"' in body and "q=quill" in body.split('rel="next"')[0].rsplit("href=", 1)[1]
    assert client.get(base + "?q=" + "x" * 101).status_code == 400


def test_another_tenants_entries_never_match(client, bookkeeper_b, chart_a, chart_b, journal):
    client.force_login(bookkeeper_b)
    base = reverse("ledger:journal", kwargs={"tenant_slug": chart_b.slug})
    body = client.get(base + "?q=quill").content.decode()
    assert "0 entries match" in body or "No entries match" in body
    assert "Quill" not in body


def test_the_migration_fills_tokens_of_entries_posted_before(chart_a, owner_a, in_tenant):
    fill = importlib.import_module("apps.ledger.migrations.0020_fill_journal_search_tokens").fill_journal_tokens
    with in_tenant(chart_a):
        old = post(owner_a, "Harbour Coffee beans")
        JournalSearchToken.objects.all().delete()
        assert found(text="harbour") == set()
    fill(apps, SimpleNamespace(connection=connection))
    fill(apps, SimpleNamespace(connection=connection))  # resumable: the second run adds nothing
    with in_tenant(chart_a):
        assert found(text="harbour coffee") == {old.pk}
        assert JournalSearchToken.objects.filter(entry=old).count() == 3
