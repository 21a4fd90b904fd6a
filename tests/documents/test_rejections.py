"""Rejecting, archiving and restoring documents: set aside with a reason, never a VAT blocker, always undoable.

Also: an undated document asks for its date instead of blocking every period,
and the blocker's link lists exactly the documents that block.
"""

from __future__ import annotations

from datetime import date

import pytest

from apps.audit.labels import describe
from apps.audit.models import AuditEvent
from apps.documents.errors import DocumentError
from apps.documents.models import DocumentState
from apps.documents.services.resolution import archive_document, reopen_for_review, restore_document
from apps.documents.services.review import reject_document
from apps.filing import calculation
from apps.tenancy.models import Role
from tests.conftest import make_member
from tests.documents.test_review import extraction
from tests.factories import DocumentFactory
from tests.factories.filing import VatSettingsFactory, quarter
from tests.helpers import audit_actions

pytestmark = pytest.mark.django_db
Q1 = (date(2025, 1, 1), date(2025, 3, 31))


def dated(day: str) -> dict:
    return extraction(issue_date={"value": day, "confidence": 0.9})


@pytest.fixture
def q1(tenant_a, in_tenant):
    with in_tenant(tenant_a):
        VatSettingsFactory(tenant=tenant_a)
        return quarter(tenant_a, date(2025, 1, 1))


def blocking(obligation) -> int:
    found = calculation.document_blockers(obligation)
    return found[0].count if found else 0


def list_url(tenant, query: str = "") -> str:
    return f"/t/{tenant.slug}/documents/{query}"


def action_url(tenant, document, action: str) -> str:
    return f"/t/{tenant.slug}/documents/{document.pk}/{action}/"


@pytest.mark.parametrize("reason", ["Not ours", "Duplicate", "Not a business expense"])
def test_a_rejected_document_has_its_own_state_and_stops_blocking_the_return(tenant_a, owner_a, in_tenant, q1, reason):
    document = DocumentFactory(tenant=tenant_a, state=DocumentState.NEEDS_REVIEW, extraction=dated("2025-02-10"))
    with in_tenant(tenant_a):
        assert blocking(q1) == 1
        reject_document(document=document, reason=reason, actor=owner_a)
        document.refresh_from_db()
        assert (document.state, document.set_aside_reason) == (DocumentState.REJECTED, reason)
        assert blocking(q1) == 0
        boxes = calculation.figures_for(q1, None, None).boxes
        assert "documents_unresolved" not in {b.code for b in calculation.blockers_for(q1, boxes, None)}


def test_a_rejected_document_is_restored_to_review_and_blocks_again(tenant_a, owner_a, in_tenant, q1):
    document = DocumentFactory(tenant=tenant_a, state=DocumentState.NEEDS_REVIEW, extraction=dated("2025-02-10"))
    with in_tenant(tenant_a):
        reject_document(document=document, reason="Not ours", actor=owner_a)
        restored = restore_document(document=document, actor=owner_a)
        assert (restored.state, restored.set_aside_reason) == (DocumentState.NEEDS_REVIEW, "")
        assert blocking(q1) == 1
    assert audit_actions(tenant_a.pk)[-2:] == ["documents.document.rejected", "documents.document.restored"]


def test_a_rejected_document_that_was_never_read_is_restored_as_failed(tenant_a, owner_a, in_tenant):
    document = DocumentFactory(tenant=tenant_a, state=DocumentState.FAILED, extraction=None, failure_reason="OCR")
    with in_tenant(tenant_a):
        reject_document(document=document, reason="Not ours", actor=owner_a)
        restored = restore_document(document=document, actor=owner_a)
    assert (restored.state, restored.failure_reason) == (DocumentState.FAILED, "OCR")


def test_a_failure_is_archived_with_a_reason_and_restored_as_failed(tenant_a, owner_a, in_tenant, q1):
    document = DocumentFactory(
        tenant=tenant_a, state=DocumentState.FAILED, extraction=dated("2025-03-01"), failure_reason="Totals unreadable"
    )
    with in_tenant(tenant_a):
        assert blocking(q1) == 1
        archived = archive_document(document=document, reason="Blank scan", actor=owner_a)
        assert (archived.state, archived.set_aside_reason) == (DocumentState.ARCHIVED, "Blank scan")
        assert blocking(q1) == 0
        restored = restore_document(document=document, actor=owner_a)
        assert (restored.state, restored.failure_reason, restored.set_aside_reason) == (
            DocumentState.FAILED, "Totals unreadable", ""
        )  # fmt: skip
        assert blocking(q1) == 1
        event = AuditEvent.objects.get(tenant_id=tenant_a.pk, action="documents.document.archived")
    assert describe(event) == "archived a document that could not be processed: Totals unreadable"
    # The reason typed is sealed on the document; the append-only log never holds it.
    assert "Blank scan" not in event.body and '"reason_chars":10' in event.body


@pytest.mark.parametrize(
    ("state", "act", "message"),
    [
        (DocumentState.NEEDS_REVIEW, "archive", "cannot be archived"),
        (DocumentState.POSTED, "archive", "cannot be archived"),
        (DocumentState.FAILED, "restore", "cannot be restored"),
        (DocumentState.POSTED, "restore", "cannot be restored"),
        (DocumentState.POSTED, "reopen", "cannot be reclassified"),
        (DocumentState.POSTED, "reject", "cannot be rejected"),
        (DocumentState.ARCHIVED, "reject", "cannot be rejected"),
    ],
)
def test_moves_from_the_wrong_state_are_refused_and_change_nothing(tenant_a, owner_a, in_tenant, state, act, message):
    document = DocumentFactory(tenant=tenant_a, state=state, extraction=dated("2025-02-10"))
    call = {
        "archive": lambda: archive_document(document=document, reason="Blank scan", actor=owner_a),
        "restore": lambda: restore_document(document=document, actor=owner_a),
        "reopen": lambda: reopen_for_review(document=document, actor=owner_a),
        "reject": lambda: reject_document(document=document, reason="Not ours", actor=owner_a),
    }[act]
    with in_tenant(tenant_a), pytest.raises(DocumentError, match=message):
        call()
    with in_tenant(tenant_a):
        document.refresh_from_db()
    assert document.state == state and audit_actions(tenant_a.pk) == []


def test_archiving_needs_a_reason(tenant_a, owner_a, in_tenant):
    document = DocumentFactory(tenant=tenant_a, state=DocumentState.FAILED)
    with in_tenant(tenant_a), pytest.raises(DocumentError, match="Say briefly why the document is archived"):
        archive_document(document=document, reason=" x ", actor=owner_a)


def test_an_undated_document_blocks_no_period_but_is_a_to_do(tenant_a, in_tenant, q1):
    DocumentFactory(tenant=tenant_a, state=DocumentState.NEEDS_REVIEW, extraction=extraction(issue_date=None))
    DocumentFactory(tenant=tenant_a, state=DocumentState.FAILED, extraction=None)
    DocumentFactory(tenant=tenant_a, state=DocumentState.REJECTED, extraction=None)  # set aside: not a to-do
    with in_tenant(tenant_a):
        assert blocking(q1) == 0
        (todo,) = calculation.document_todos()
    assert (todo.code, todo.count, todo.query) == ("documents_undated", 2, "undated=1")
    assert "add the document's date" in todo.message


def test_the_review_panel_asks_for_the_date_of_an_undated_document(client, bookkeeper_a, tenant_a, in_tenant):
    from apps.ledger.services.accounts import seed_chart_of_accounts

    with in_tenant(tenant_a):
        seed_chart_of_accounts(tenant_a)
    document = DocumentFactory(
        tenant=tenant_a, state=DocumentState.NEEDS_REVIEW, extraction=extraction(issue_date=None)
    )
    client.force_login(bookkeeper_a)
    page = client.get(f"/t/{tenant_a.slug}/documents/{document.pk}/review/").content.decode()
    assert "Add the document&#x27;s date" in page


def test_the_blocker_link_lists_exactly_the_blocking_documents(client, bookkeeper_a, tenant_a, in_tenant, q1):
    blocking_ones = [
        DocumentFactory(tenant=tenant_a, state=DocumentState.NEEDS_REVIEW, extraction=dated("2025-01-02"),
                        original_filename="in-q1-review.pdf"),
        DocumentFactory(tenant=tenant_a, state=DocumentState.FAILED, extraction=dated("2025-03-31"),
                        original_filename="in-q1-failed.pdf"),
    ]  # fmt: skip
    others = [
        DocumentFactory(tenant=tenant_a, state=DocumentState.NEEDS_REVIEW, extraction=dated("2025-04-01"),
                        original_filename="in-q2.pdf"),
        DocumentFactory(tenant=tenant_a, state=DocumentState.REJECTED, extraction=dated("2025-02-01"),
                        original_filename="rejected.pdf"),
        DocumentFactory(tenant=tenant_a, state=DocumentState.POSTED, extraction=dated("2025-02-01"),
                        original_filename="posted.pdf"),
        DocumentFactory(tenant=tenant_a, state=DocumentState.NEEDS_REVIEW, extraction=extraction(issue_date=None),
                        original_filename="undated.pdf"),
    ]  # fmt: skip
    with in_tenant(tenant_a):
        (blocker,) = calculation.document_blockers(q1)
    client.force_login(bookkeeper_a)
    page = client.get(list_url(tenant_a, f"?{blocker.query}")).content.decode()
    assert all(d.original_filename in page for d in blocking_ones)
    assert not any(d.original_filename in page for d in others)


def test_the_list_filters_rejected_and_archived_documents(client, bookkeeper_a, tenant_a):
    DocumentFactory(tenant=tenant_a, state=DocumentState.REJECTED, original_filename="not-ours.pdf",
                    set_aside_reason="Not ours")  # fmt: skip
    DocumentFactory(tenant=tenant_a, state=DocumentState.ARCHIVED, original_filename="blank.pdf")
    client.force_login(bookkeeper_a)
    rejected = client.get(list_url(tenant_a, "?state=rejected")).content.decode()
    archived = client.get(list_url(tenant_a, "?state=archived")).content.decode()
    assert "not-ours.pdf" in rejected and "Not ours" in rejected and "blank.pdf" not in rejected
    assert "blank.pdf" in archived and "not-ours.pdf" not in archived


def test_archive_and_restore_from_the_detail_page(client, bookkeeper_a, tenant_a, in_tenant):
    document = DocumentFactory(tenant=tenant_a, state=DocumentState.FAILED, failure_reason="Unreadable")
    client.force_login(bookkeeper_a)
    assert "Archive it" in client.get(f"/t/{tenant_a.slug}/documents/{document.pk}/").content.decode()
    response = client.post(action_url(tenant_a, document, "archive"), {"reason": "Photo of a cat"})
    assert response.status_code == 302
    with in_tenant(tenant_a):
        document.refresh_from_db()
    assert document.state == DocumentState.ARCHIVED
    assert client.post(action_url(tenant_a, document, "restore")).status_code == 302
    with in_tenant(tenant_a):
        document.refresh_from_db()
    assert document.state == DocumentState.FAILED


@pytest.mark.parametrize("reason", ["", "x", "y" * 301])
def test_a_bad_archive_reason_is_a_400_and_writes_nothing(client, bookkeeper_a, tenant_a, in_tenant, reason):
    document = DocumentFactory(tenant=tenant_a, state=DocumentState.FAILED)
    client.force_login(bookkeeper_a)
    response = client.post(action_url(tenant_a, document, "archive"), {"reason": reason})
    with in_tenant(tenant_a):
        document.refresh_from_db()
    if len(reason) > 300:  # a long reason is kept, cut to the field's length
        assert response.status_code == 302 and len(document.set_aside_reason) == 300
        return
    assert response.status_code == 400 and document.state == DocumentState.FAILED
    assert audit_actions(tenant_a.pk) == []


def test_viewers_cannot_archive_and_another_business_cannot_see(client, tenant_a, tenant_b, bookkeeper_b, in_tenant):
    document = DocumentFactory(tenant=tenant_a, state=DocumentState.FAILED)
    client.force_login(make_member(tenant_a, Role.VIEWER))
    assert client.post(action_url(tenant_a, document, "archive"), {"reason": "Blank scan"}).status_code == 403
    client.force_login(bookkeeper_b)
    response = client.post(f"/t/{tenant_b.slug}/documents/{document.pk}/archive/", {"reason": "Blank scan"})
    assert response.status_code == 404
    with in_tenant(tenant_a):
        document.refresh_from_db()
    assert document.state == DocumentState.FAILED


def test_the_review_panel_offers_the_received_date_as_an_iso_date(client, bookkeeper_a, tenant_a, in_tenant):
    from apps.ledger.services.accounts import seed_chart_of_accounts

    with in_tenant(tenant_a):
        seed_chart_of_accounts(tenant_a)
    document = DocumentFactory(tenant=tenant_a, state=DocumentState.NEEDS_REVIEW, extraction=extraction(),
                               received_on=date(2025, 4, 20))  # fmt: skip
    client.force_login(bookkeeper_a)
    page = client.get(f"/t/{tenant_a.slug}/documents/{document.pk}/review/").content.decode()
    assert 'name="received_on" value="2025-04-20"' in page


def test_the_vat_pages_show_undated_documents_as_a_to_do(verified_client, owner_a, tenant_a, q1):
    DocumentFactory(tenant=tenant_a, state=DocumentState.NEEDS_REVIEW, extraction=extraction(issue_date=None))
    client = verified_client(owner_a)
    for url in (f"/t/{tenant_a.slug}/filing/", f"/t/{tenant_a.slug}/filing/{q1.period_key}/"):
        page = client.get(url).content.decode()
        assert 'data-todo="documents_undated"' in page and "documents/?undated=1" in page, url
    assert 'data-blocker="documents_unresolved"' not in page
    listing = client.get(list_url(tenant_a, "?undated=1")).content.decode()
    assert 'data-testid="undated-filter"' in listing and "receipt-" in listing
