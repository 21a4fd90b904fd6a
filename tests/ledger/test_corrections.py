"""Correcting a wrong posting: reversals dated by period, reversed documents posted again, late-received invoices.

Quarters of 2025 (books_a): Q1 Jan-Mar, Q2 Apr-Jun, Q3 Jul-Sep. "Frozen" means
sent for approval (or approved, or filed): its figures can no longer change.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.documents.models import Document, DocumentState
from apps.documents.services.resolution import reopen_for_review
from apps.documents.services.review import approve_document, claim_date
from apps.filing import calculation
from apps.filing.models import VatReturn, VatSettings
from apps.filing.services.returns import fingerprint, send_for_approval
from apps.ledger.models import JournalEntry
from apps.ledger.services.posting import reversal_date, reverse_entry
from apps.tenancy.context import tenant_context
from tests.documents.test_review import extraction
from tests.documents.test_review_services import correction
from tests.factories import DocumentFactory
from tests.filing.conftest import purchase
from tests.helpers import audit_actions
from tests.ledger.vat_books import quarters_of_2025

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def books_a(tenant_a):
    return quarters_of_2025(tenant_a)


def figures(obligation):
    vat_return = VatReturn.objects.filter(obligation=obligation).first()
    return calculation.figures_for(obligation, vat_return, VatSettings.objects.first())


def freeze(obligation, actor) -> None:
    send_for_approval(obligation=obligation, actor=actor, expected_fingerprint=fingerprint(figures(obligation).boxes))


@pytest.fixture
def today_is(monkeypatch):
    def set_today(day: date) -> None:
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)

    return set_today


def vat_boxes(obligation) -> tuple[Decimal, Decimal]:
    boxes = figures(obligation).boxes
    return boxes.box4, boxes.box7


class TestReversalDate:
    def test_in_an_open_period_the_reversal_takes_the_originals_date_and_both_cancel(
        self, tenant_a, owner_a, books_a, today_is
    ):
        q1, q2, _ = books_a
        today_is(date(2025, 5, 10))
        with tenant_context(tenant_a):
            wrong = purchase(date(2025, 2, 14), "100.00", "20.00", actor=owner_a)
            assert vat_boxes(q1) == (D("20.00"), D("100"))
            reversal = reverse_entry(entry=wrong, actor=owner_a, reason="Posted twice")
            assert reversal.date == date(2025, 2, 14)
            assert vat_boxes(q1) == (D("0.00"), D("0")) and vat_boxes(q2) == (D("0.00"), D("0"))

    def test_in_a_frozen_period_the_reversal_is_dated_today_and_the_open_return_carries_it(
        self, tenant_a, owner_a, books_a, today_is
    ):
        q1, q2, _ = books_a
        with tenant_context(tenant_a):
            wrong = purchase(date(2025, 2, 14), "100.00", "20.00", actor=owner_a)
            freeze(q1, owner_a)
            today_is(date(2025, 5, 10))
            assert reversal_date(wrong) == date(2025, 5, 10)
            reversal = reverse_entry(entry=wrong, actor=owner_a, reason="Not a business expense")
            assert reversal.date == date(2025, 5, 10)
            assert vat_boxes(q1) == (D("20.00"), D("100"))  # the frozen figures never change
            assert vat_boxes(q2) == (D("-20.00"), D("-100"))
            (line,) = calculation.correction_lines(q2, figures(q2))
            assert (line[0].entry_id, line[1], line[2]) == (reversal.pk, D("20.00"), date(2025, 2, 14))

    def test_an_explicit_date_still_wins(self, tenant_a, owner_a, books_a):
        with tenant_context(tenant_a):
            wrong = purchase(date(2025, 2, 14), "100.00", "20.00", actor=owner_a)
            assert reverse_entry(entry=wrong, actor=owner_a, reason="x y z", entry_date=date(2025, 3, 1)).date == (
                date(2025, 3, 1)
            )


@pytest.fixture
def posted_document(tenant_a, owner_a, books_a):
    """A purchase invoice of 10 Feb 2025 (Q1) approved in review and posted to 429."""
    document = DocumentFactory(
        tenant=tenant_a, state=DocumentState.NEEDS_REVIEW,
        extraction=extraction(issue_date={"value": "2025-02-10", "confidence": 0.9}),
        classification={"account_code": "429", "vat_treatment": "standard"},
    )  # fmt: skip
    with tenant_context(tenant_a):
        approve_document(
            document=document, correction=correction(issue_date=date(2025, 2, 10), account_code="429"), learn=False,
            actor=owner_a,
        )  # fmt: skip
        document.refresh_from_db()
    return document


class TestReversedDocument:
    def test_reversing_a_documents_entry_marks_it_reversed_in_the_same_transaction(
        self, tenant_a, owner_a, posted_document
    ):
        with tenant_context(tenant_a):
            entry = JournalEntry.objects.get(pk=posted_document.journal_entry_id)
            reverse_entry(entry=entry, actor=owner_a, reason="Wrong account")
            posted_document.refresh_from_db()
        assert posted_document.state == DocumentState.REVERSED
        assert audit_actions(tenant_a.pk)[-2:] == ["ledger.entry.reversed", "documents.document.reversed"]

    def test_a_reversed_document_is_reclassified_and_posted_again_in_its_own_period(
        self, tenant_a, owner_a, books_a, posted_document
    ):
        q1 = books_a[0]
        with tenant_context(tenant_a):
            first = JournalEntry.objects.get(pk=posted_document.journal_entry_id)
            reverse_entry(entry=first, actor=owner_a, reason="Wrong account")
            reopen_for_review(document=posted_document, actor=owner_a)
            again = approve_document(
                document=posted_document, correction=correction(issue_date=date(2025, 2, 10), account_code="310"),
                learn=False, actor=owner_a,
            )  # fmt: skip
            second = JournalEntry.objects.get(pk=again.journal_entry_id)
            assert again.state == DocumentState.POSTED and second.pk != first.pk
            assert (second.date, second.document_posting, second.source_document_id) == (
                date(2025, 2, 10), 2, posted_document.pk
            )  # fmt: skip
            accounts = {line.account.code for line in second.lines.all()}
            assert "310" in accounts and "429" not in accounts
            assert vat_boxes(q1) == (D("20.00"), D("100"))  # first + reversal cancel, the repost counts once

    def test_a_repost_dated_in_a_frozen_period_goes_to_the_earliest_open_return(
        self, tenant_a, owner_a, books_a, posted_document, today_is
    ):
        q1, q2, _ = books_a
        with tenant_context(tenant_a):
            freeze(q1, owner_a)
            today_is(date(2025, 5, 10))
            first = JournalEntry.objects.get(pk=posted_document.journal_entry_id)
            reverse_entry(entry=first, actor=owner_a, reason="Wrong account")
            reopen_for_review(document=posted_document, actor=owner_a)
            approve_document(
                document=posted_document, correction=correction(issue_date=date(2025, 2, 10), account_code="310",
                                                                received_on=date(2025, 2, 12)),
                learn=False, actor=owner_a,
            )  # fmt: skip
            q2_figures = figures(q2)
            assert q2_figures.adjustments == 2  # the repost, carried in from Q1 (its VAT and its net)
            assert (q2_figures.boxes.box4, q2_figures.boxes.box7) == (D("0.00"), D("0"))  # reversal - repost
            assert vat_boxes(q1) == (D("20.00"), D("100"))

    def test_a_document_still_posted_cannot_be_reopened_and_post_document_returns_the_standing_entry(
        self, tenant_a, owner_a, posted_document
    ):
        from apps.ledger.rules_engine import Classification
        from apps.ledger.services.posting import post_document
        from tests.ledger.builders import make_extraction

        with tenant_context(tenant_a):
            again = post_document(
                document_id=posted_document.pk, extraction=make_extraction(),
                classification=Classification("461", "standard", 1.0, "", None, "", False, []),
            )  # fmt: skip
            assert again.pk == posted_document.journal_entry_id
            assert JournalEntry.objects.filter(source_document_id=posted_document.pk).count() == 1


class TestReceivedDate:
    @pytest.mark.parametrize(
        ("kind", "issued", "received", "frozen", "expected"),
        [
            ("purchase_invoice", date(2025, 2, 10), date(2025, 4, 20), True, date(2025, 4, 20)),
            ("receipt", date(2025, 2, 10), date(2025, 4, 1), True, date(2025, 4, 1)),
            ("purchase_invoice", date(2025, 2, 10), date(2025, 3, 31), True, None),  # held within the period
            ("purchase_invoice", date(2025, 2, 10), date(2025, 4, 20), False, None),  # period open: own date
            ("sales_invoice", date(2025, 2, 10), date(2025, 4, 20), True, None),
            ("credit_note", date(2025, 2, 10), date(2025, 4, 20), True, None),
            ("purchase_invoice", date(2025, 2, 10), None, True, None),
        ],
    )
    def test_claim_date(self, tenant_a, owner_a, books_a, kind, issued, received, frozen, expected):
        with tenant_context(tenant_a):
            if frozen:
                freeze(books_a[0], owner_a)
            assert claim_date(kind, issued, received) == expected

    def test_an_invoice_of_a_frozen_period_received_later_is_an_ordinary_claim_of_the_period_received(
        self, tenant_a, owner_a, books_a
    ):
        q1, q2, _ = books_a
        with tenant_context(tenant_a):
            freeze(q1, owner_a)  # then the March invoice arrives, in April
        document = DocumentFactory(
            tenant=tenant_a, state=DocumentState.NEEDS_REVIEW,
            extraction=extraction(issue_date={"value": "2025-03-20", "confidence": 0.9}),
        )  # fmt: skip
        with tenant_context(tenant_a):
            approve_document(
                document=document,
                correction=correction(issue_date=date(2025, 3, 20), received_on=date(2025, 4, 20)),
                learn=False, actor=owner_a,
            )  # fmt: skip
            document.refresh_from_db()
            entry = JournalEntry.objects.get(pk=document.journal_entry_id)
            assert (entry.date, document.received_on) == (date(2025, 4, 20), date(2025, 4, 20))
            assert "received on 20 Apr 2025" in entry.explanation
            q2_figures = figures(q2)
            assert (q2_figures.boxes.box4, q2_figures.adjustments) == (D("20.00"), 0)
            assert calculation.correction_lines(q2, q2_figures) == []

    def test_the_received_date_defaults_to_the_upload_date(self, tenant_a):
        document = DocumentFactory(tenant=tenant_a)
        assert document.received_date == timezone.localdate(document.uploaded_at)
        assert Document(received_on=date(2025, 1, 2)).received_date == date(2025, 1, 2)


class TestPages:
    def test_the_entry_page_says_how_the_reversal_will_be_dated(
        self, verified_client, tenant_a, owner_a, books_a, today_is
    ):
        today_is(date(2025, 5, 10))
        with tenant_context(tenant_a):
            wrong = purchase(date(2025, 2, 14), "100.00", "20.00", actor=owner_a)
        client = verified_client(owner_a)
        url = f"/t/{tenant_a.slug}/ledger/journal/{wrong.pk}/"
        assert "dated 14 Feb 2025" in client.get(url).content.decode()
        with tenant_context(tenant_a):
            freeze(books_a[0], owner_a)
        page = client.get(url).content.decode()
        assert "dated 10 May 2025" in page and "awaiting approval return whose figures cannot change" in page

    def test_reversing_a_filed_entry_above_the_limit_warns_where_the_correction_is_made(
        self, verified_client, tenant_a, owner_a, books_a, today_is
    ):
        with tenant_context(tenant_a):
            wrong = purchase(date(2025, 2, 14), "60000.00", "12000.00", actor=owner_a)
            freeze(books_a[0], owner_a)
        today_is(date(2025, 5, 10))
        response = verified_client(owner_a).post(
            f"/t/{tenant_a.slug}/ledger/journal/{wrong.pk}/reverse/", {"reason": "Never received"}, follow=True
        )
        body = response.content.decode()
        assert "dated 10 May 2025" in body and "a separate disclosure to HMRC is required" in body

    def test_a_reversed_document_is_reclassified_from_its_page(
        self, verified_client, tenant_a, owner_a, posted_document
    ):
        with tenant_context(tenant_a):
            reverse_entry(entry=JournalEntry.objects.get(pk=posted_document.journal_entry_id), actor=owner_a,
                          reason="Wrong account")  # fmt: skip
        client = verified_client(owner_a)
        detail = client.get(f"/t/{tenant_a.slug}/documents/{posted_document.pk}/").content.decode()
        assert "Reversed" in detail and "Reclassify and post again" in detail
        response = client.post(f"/t/{tenant_a.slug}/documents/{posted_document.pk}/reopen/")
        assert response.status_code == 302 and response["Location"].endswith(f"{posted_document.pk}/review/")
        with tenant_context(tenant_a):
            posted_document.refresh_from_db()
        assert posted_document.state == DocumentState.NEEDS_REVIEW
        assert client.post(f"/t/{tenant_a.slug}/documents/{posted_document.pk}/reopen/").status_code == 400

    def test_reposting_into_a_filed_period_above_the_limit_warns_in_the_review_panel(
        self, verified_client, tenant_a, owner_a, books_a, posted_document, today_is
    ):
        from tests.documents.test_review import form

        with tenant_context(tenant_a):
            freeze(books_a[0], owner_a)
            today_is(date(2025, 5, 10))
            reverse_entry(entry=JournalEntry.objects.get(pk=posted_document.journal_entry_id), actor=owner_a,
                          reason="Wrong figures")  # fmt: skip
            reopen_for_review(document=posted_document, actor=owner_a)
        response = verified_client(owner_a).post(
            f"/t/{tenant_a.slug}/documents/{posted_document.pk}/review/",
            form(issue_date="2025-02-10", received_on="2025-02-12", net="60000.00", vat="12000.00",
                 gross="72000.00", learn=""),
            follow=True,
        )  # fmt: skip
        body = response.content.decode()
        assert "approved and posted" in body and "a separate disclosure to HMRC is required" in body
        assert "£11,980.00" in body  # the repost's £12,000 less the reversed £20, carried into Q2
