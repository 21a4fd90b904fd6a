"""Manual journals: balanced, reasoned, a VAT treatment on each income or expense line, never in a frozen period."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest

from apps.audit.labels import describe
from apps.filing.models import VatReturn, VatSettings
from apps.filing.services.returns import fingerprint, send_for_approval
from apps.ledger.errors import LedgerError, PostingError
from apps.ledger.models import JournalEntry
from apps.ledger.services.journal import LineSpec
from apps.ledger.services.manual import frozen_date_refusal, post_manual_journal
from apps.ledger.services.periods import first_open_day_after, frozen_period_on, frozen_periods
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Role
from tests.conftest import make_member
from tests.factories import DocumentFactory
from tests.helpers import audit_events
from tests.ledger.vat_books import quarters_of_2025

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def books_a(tenant_a):
    return quarters_of_2025(tenant_a)


LINES = [
    LineSpec("429", debit=D("50.00"), vat_treatment="standard"),
    LineSpec("820", debit=D("10.00")),
    LineSpec("800", credit=D("60.00")),
]


def freeze(obligation, actor) -> None:
    from apps.filing import calculation

    vat_return = VatReturn.objects.filter(obligation=obligation).first()
    boxes = calculation.figures_for(obligation, vat_return, VatSettings.objects.first()).boxes
    send_for_approval(obligation=obligation, actor=actor, expected_fingerprint=fingerprint(boxes))


def journal(*, actor, **overrides) -> JournalEntry:
    values = {"entry_date": date(2025, 4, 15), "description": "Missed stationery", "reason": "Found in April",
              "lines": LINES}  # fmt: skip
    return post_manual_journal(**(values | overrides), actor=actor)


class TestService:
    def test_a_balanced_journal_is_posted_with_its_reason_and_audited(self, tenant_a, owner_a, books_a):
        with tenant_context(tenant_a):
            entry = journal(actor=owner_a)
            assert (entry.kind, entry.date, entry.explanation) == (
                "manual",
                date(2025, 4, 15),
                "Reason: Found in April",
            )
            assert [line.vat_treatment for line in entry.lines.order_by("position")] == ["standard", "", ""]
        (event,) = audit_events(tenant_a.pk, action="ledger.journal.posted")
        assert describe(event) == "posted manual journal 1: Found in April"

    def test_a_supporting_document_is_linked(self, tenant_a, owner_a, books_a):
        document = DocumentFactory(tenant=tenant_a)
        with tenant_context(tenant_a):
            assert journal(actor=owner_a, attachment_document_id=document.pk).attachment_document_id == document.pk

    @pytest.mark.parametrize(
        ("overrides", "message"),
        [
            ({"reason": "  "}, "Say why this journal is needed"),
            ({"description": ""}, "Describe the journal"),
            ({"lines": LINES[:2]}, "differ by 60.00"),
            ({"lines": [LineSpec("429", debit=D("60.00")), LineSpec("800", credit=D("60.00"))]},
             "Line 1 \\(account 429\\) needs a VAT treatment"),
            ({"lines": [LineSpec("429", debit=D("1"), vat_treatment="bogus"), LineSpec("800", credit=D("1"))]},
             "unknown VAT treatment"),
            ({"attachment_document_id": uuid.uuid4()}, "attached document does not exist"),
            ({"entry_date": date(2025, 2, 1)}, "01 Feb 2025 is in the VAT period 01 Jan 2025 to 31 Mar 2025"),
        ],
    )  # fmt: skip
    def test_bad_journals_are_refused_and_nothing_is_written(self, tenant_a, owner_a, books_a, overrides, message):
        with tenant_context(tenant_a):
            freeze(books_a[0], owner_a)
            with pytest.raises(LedgerError, match=message):
                journal(actor=owner_a, **overrides)
            assert not JournalEntry.objects.exists()
        assert audit_events(tenant_a.pk, action="ledger.journal.posted") == []

    def test_a_frozen_date_is_refused_with_the_open_date_to_use_instead(self, tenant_a, owner_a, books_a):
        q1 = books_a[0]
        with tenant_context(tenant_a):
            assert frozen_date_refusal(date(2025, 2, 1)) == ""
            freeze(q1, owner_a)
            assert frozen_date_refusal(date(2025, 2, 1)) == (
                "01 Feb 2025 is in the VAT period 01 Jan 2025 to 31 Mar 2025, whose return is awaiting approval: "
                "its figures can no longer change. Date the journal in the open period, on or after 01 Apr 2025; "
                "the return that takes it carries the correction."
            )
            assert frozen_date_refusal(date(2025, 4, 1)) == ""
            with pytest.raises(PostingError, match="on or after 01 Apr 2025"):
                journal(actor=owner_a, entry_date=date(2025, 3, 31))
            assert journal(actor=owner_a, entry_date=date(2025, 4, 1)).date == date(2025, 4, 1)


class TestPeriods:
    def test_frozen_periods_and_the_first_open_day(self, tenant_a, owner_a, books_a):
        q1, _, q3 = books_a
        with tenant_context(tenant_a):
            assert frozen_periods() == [] and frozen_period_on(date(2025, 1, 1)) is None
            freeze(q1, owner_a)
            freeze(q3, owner_a)  # out of order: Q2 stays open between them
            periods = frozen_periods()
            assert [(p.start, p.end, p.period_key) for p in periods] == [
                (date(2025, 1, 1), date(2025, 3, 31), "25A1"),
                (date(2025, 7, 1), date(2025, 9, 30), "25A3"),
            ]
            assert frozen_period_on(date(2024, 12, 31), periods) is None
            assert frozen_period_on(date(2025, 1, 1), periods).period_key == "25A1"
            assert frozen_period_on(date(2025, 3, 31), periods).period_key == "25A1"
            assert frozen_period_on(date(2025, 4, 1), periods) is None
            assert first_open_day_after(date(2025, 2, 1), periods) == date(2025, 4, 1)
            assert first_open_day_after(date(2025, 5, 1), periods) == date(2025, 5, 1)
            assert first_open_day_after(date(2025, 8, 1), periods) == date(2025, 10, 1)


def page(tenant) -> str:
    return f"/t/{tenant.slug}/ledger/journal/manual/"


def form_data(**overrides) -> dict:
    data = {
        "entry_date": "2025-04-15", "description": "Missed stationery", "reason": "Found in April", "attachment": "",
        "lines-TOTAL_FORMS": "4", "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "20",
        "lines-0-account_code": "429", "lines-0-debit": "50.00", "lines-0-vat_treatment": "standard",
        "lines-1-account_code": "820", "lines-1-debit": "10.00",
        "lines-2-account_code": "800", "lines-2-credit": "60.00",
    }  # fmt: skip
    return data | overrides


class TestPage:
    def test_the_page_lists_journals_and_posts_one(self, verified_client, owner_a, tenant_a, books_a):
        client = verified_client(owner_a)
        assert "Post the journal" in client.get(page(tenant_a)).content.decode()
        response = client.post(page(tenant_a), form_data())
        assert response.status_code == 302
        listing = client.get(page(tenant_a)).content.decode()
        assert "Missed stationery" in listing and "Found in April" in listing
        # Decision 0025: the memo and the reason are ciphertext at rest.
        from django.db import connection

        with tenant_context(tenant_a), connection.cursor() as cursor:
            cursor.execute("SELECT description, explanation FROM ledger_journalentry")
            stored = b"".join(bytes(v) for row in cursor.fetchall() for v in row)
        assert b"Missed stationery" not in stored and b"Found in April" not in stored

    @pytest.mark.parametrize(
        "overrides",
        [
            {"reason": ""},
            {"entry_date": "not a date"},
            {"lines-2-credit": "59.00"},
            {"lines-0-debit": "-50.00"},
            {"lines-0-debit": "abc"},
            {"lines-1-account_code": "999"},
            {"lines-0-vat_treatment": ""},
            {"lines-TOTAL_FORMS": "500"},
            {"attachment": str(uuid.uuid4())},
            {"entry_date": "2025-02-01"},
        ],
    )
    def test_bad_input_is_a_400_and_writes_nothing(self, verified_client, owner_a, tenant_a, books_a, overrides):
        with tenant_context(tenant_a):
            freeze(books_a[0], owner_a)
        response = verified_client(owner_a).post(page(tenant_a), form_data(**overrides))
        assert response.status_code == 400
        with tenant_context(tenant_a):
            assert not JournalEntry.objects.exists()

    def test_a_frozen_date_is_answered_with_the_reason(self, verified_client, owner_a, tenant_a, books_a):
        with tenant_context(tenant_a):
            freeze(books_a[0], owner_a)
        body = verified_client(owner_a).post(page(tenant_a), form_data(entry_date="2025-02-01")).content.decode()
        assert "whose return is awaiting approval" in body and "on or after 01 Apr 2025" in body

    def test_a_bookkeeper_cannot_post(self, client, tenant_a, books_a):
        client.force_login(make_member(tenant_a, Role.BOOKKEEPER))
        assert client.post(page(tenant_a), form_data()).status_code == 403
        with tenant_context(tenant_a):
            assert not JournalEntry.objects.exists()
