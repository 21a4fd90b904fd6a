"""Journal and bank lines: keyset pages walk every row once, filters narrow them, bad input is a 400."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from apps.ledger import services
from apps.ledger.list_selectors import BankFilters, JournalFilters, bank_page, journal_page
from apps.ledger.models import JournalEntry
from tests.factories import BankTransactionFactory

pytestmark = pytest.mark.django_db
D = Decimal


def url(name, tenant):
    return reverse(f"ledger:{name}", kwargs={"tenant_slug": tenant.slug})


def post(owner, day, amount, account="461"):
    return services.post_manual_entry(
        entry_date=day, description=f"Journal {amount}", actor=owner,
        lines=[services.LineSpec(account, debit=D(amount)), services.LineSpec("090", credit=D(amount))],
    )  # fmt: skip


def walk(fetch, filters, size=2):
    seen, cursor = [], None
    while True:
        page = fetch(filters, cursor=cursor, size=size)
        seen.extend(row.pk for row in page.items)
        if not page.has_next:
            return seen
        cursor = page.next_cursor


def test_journal_pages_walk_every_entry_once_newest_first_with_totals(chart_a, owner_a, in_tenant):
    with in_tenant(chart_a):
        for n, day in enumerate([1, 1, 1, 2, 3, 3, 5]):
            post(owner_a, date(2025, 3, day), f"{n + 1}.00")
        expected = list(JournalEntry.objects.order_by("-date", "-number").values_list("pk", flat=True))
        assert walk(journal_page, JournalFilters()) == expected
        first = journal_page(JournalFilters(), cursor=None, size=3).items
        assert [e.total for e in first] == [D("7.00"), D("6.00"), D("5.00")]


def test_journal_filters_by_date_account_kind_and_line_amount(chart_a, owner_a, in_tenant):
    with in_tenant(chart_a):
        small = post(owner_a, date(2025, 1, 10), "5.00", account="461")
        big = post(owner_a, date(2025, 2, 10), "500.00", account="461")
        other = post(owner_a, date(2025, 3, 10), "50.00", account="408")

        def found(**kw):
            return set(walk(journal_page, JournalFilters(**kw)))

        assert found(date_from=date(2025, 2, 1)) == {big.pk, other.pk}
        assert found(date_to=date(2025, 1, 31)) == {small.pk}
        assert found(account_code="408") == {other.pk}
        assert found(amount_min=D("40"), amount_max=D("60")) == {other.pk}
        assert found(amount_min=D("100")) == {big.pk}
        assert found(kind="reversal") == set()
        assert found(kind="manual") == {small.pk, big.pk, other.pk}


def test_journal_page_links_keep_the_filters_and_bad_input_is_400(client, bookkeeper_a, chart_a, owner_a, in_tenant):
    with in_tenant(chart_a):
        for n in range(5):
            post(owner_a, date(2025, 3, 1 + n), f"{n + 1}.00", account="408")
        post(owner_a, date(2025, 3, 9), "9.00", account="461")
    client.force_login(bookkeeper_a)
    seen, next_url = 0, url("journal", chart_a) + "?account=408&size=2"
    while next_url:
        body = client.get(next_url).content.decode()
        seen += body.count('<span class="badge badge-muted">Manual journal</span>')
        match = re.search(r'href="([^"]+)" rel="next"', body)
        next_url = match.group(1).replace("&amp;", "&") if match else None
        assert next_url is None or "account=408" in next_url
    assert seen == 5
    for bad in ("cursor=forged", "size=0", "date_from=2025-02-30", "amount_min=abc", "amount_min=9&amount_max=1",
                "kind=nope"):  # fmt: skip
        assert client.get(url("journal", chart_a) + "?" + bad).status_code == 400, bad


def test_bank_pages_and_filters(chart_a, in_tenant):
    with in_tenant(chart_a):
        lines = [BankTransactionFactory(tenant=chart_a, amount=D(f"-{n + 1}.00"), date=date(2025, 2, 1 + n % 3))
                 for n in range(7)]  # fmt: skip
        income = BankTransactionFactory(tenant=chart_a, amount=D("250.00"), date=date(2025, 2, 2),
                                        feed_account_id="savings")  # fmt: skip
        everything = walk(bank_page, BankFilters(status="all"))
        assert len(everything) == len(set(everything)) == 8
        assert set(walk(bank_page, BankFilters(status="all", amount_min=D("0")))) == {income.pk}
        assert set(walk(bank_page, BankFilters(status="all", amount_min=D("-3"), amount_max=D("-2")))) == {
            lines[1].pk, lines[2].pk}  # fmt: skip
        assert set(walk(bank_page, BankFilters(status="all", feed_account="savings"))) == {income.pk}
        assert len(walk(bank_page, BankFilters(status="unposted"))) == 8
