"""Money and dates look the same on every page: £2,076.00, negatives in brackets, "4 Dec 2026".

The main pages are rendered with a figure over a thousand and a negative
balance; none may show "£-" or a thousands figure without its separator.
(The VAT period page is checked by its own tests.)
"""

from __future__ import annotations

import re
import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse

from apps.documents.models import DocumentState
from apps.ledger import chart, services
from apps.ledger.models import Account
from tests.documents.test_review import extraction
from tests.factories import BankTransactionFactory, DocumentFactory
from tests.ledger.builders import classified, make_extraction

pytestmark = pytest.mark.django_db
BAD_MONEY = re.compile(r"£\s?-|-\s?£|£\d{4}")


def test_the_filters():
    values = {"a": Decimal("2076"), "b": Decimal("-245"), "c": "1234567.5", "w": -2076}
    values |= {"d": date(2026, 12, 4), "s": "2026-03-05"}
    template = "{% load display %}{{ a|money }} {{ b|money }} {{ c|money }} {{ w|pounds }} {{ d|day }} {{ s|day }}"
    rendered = Template(template).render(Context(values))
    assert rendered == "£2,076.00 (£245.00) £1,234,567.50 (£2,076) 4 Dec 2026 5 Mar 2026"


@pytest.fixture
def books(tenant_a, in_tenant):
    """A purchase of £2,076.00 paid from the bank (so the bank is negative), a bank line and a document."""
    from apps.ledger.services.accounts import seed_chart_of_accounts

    with in_tenant(tenant_a):
        seed_chart_of_accounts(tenant_a)
        services.post_document(
            document_id=uuid.uuid4(),
            extraction=make_extraction(net="1730.00", vat="346.00", gross="2076.00", breakdown=()),
            classification=classified("461"),
        )
        BankTransactionFactory(tenant=tenant_a, amount=Decimal("-2450.00"), description="Rent", counterparty="Landlord")
        data = extraction()
        data["gross"]["value"], data["net"]["value"], data["vat"]["value"] = "2076.00", "1730.00", "346.00"
        document = DocumentFactory(tenant=tenant_a, state=DocumentState.POSTED, extraction=data)
        bank = Account.objects.get(code=chart.BANK)
    return {"document": document, "bank": bank}


def test_main_pages_show_money_one_way(client, bookkeeper_a, tenant_a, books):
    client.force_login(bookkeeper_a)
    slug = {"tenant_slug": tenant_a.slug}
    pages = {
        "documents": reverse("documents:list", kwargs=slug),
        "document": reverse("documents:detail", kwargs={**slug, "document_id": books["document"].pk}),
        "trial balance": reverse("ledger:trial-balance", kwargs=slug),
        "journal": reverse("ledger:journal", kwargs=slug),
        "bank account": reverse("ledger:account", kwargs={**slug, "code": chart.BANK}),
        "bank": reverse("ledger:bank", kwargs=slug),
        "vat": reverse("filing:home", kwargs=slug),
        "home": reverse("tenancy:home", kwargs=slug),
    }
    for name, path in pages.items():
        response = client.get(path)
        assert response.status_code == 200, name
        body = response.content.decode()
        assert BAD_MONEY.findall(body) == [], name
    for name in ("documents", "document", "trial balance"):
        assert "£2,076.00" in client.get(pages[name]).content.decode(), name
    assert "(£2,450.00)" in client.get(pages["bank"]).content.decode()
    assert "5 Mar 2026" in client.get(pages["document"]).content.decode()


def test_a_negative_whole_pound_box_reads_like_every_other_negative(verified_client, owner_a, tenant_a, books_a):
    """The regression: box 6 of a period with more credit notes than sales showed "£-245"."""
    from apps.ledger.services.journal import LineSpec
    from apps.ledger.services.posting import post_manual_entry
    from apps.tenancy.context import tenant_context

    q1 = books_a[0]
    with tenant_context(tenant_a):
        credit_note = [
            LineSpec("200", debit=Decimal("245.00"), vat_treatment="standard"),
            LineSpec("821", debit=Decimal("49.00")),
            LineSpec("610", credit=Decimal("294.00")),
        ]
        post_manual_entry(entry_date=date(2025, 2, 1), description="Credit note", lines=credit_note, actor=owner_a)
    page = verified_client(owner_a).get(
        reverse("filing:period", kwargs={"tenant_slug": tenant_a.slug, "period_key": q1.period_key})
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "£-" not in html
    assert "(£245)" in html and "(£49.00)" in html
