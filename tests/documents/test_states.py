"""Every (state, transition) pair of the document and processing-attempt tables, on real rows; and the actions."""

from __future__ import annotations

import uuid

import pytest

from apps.documents.actions import available_actions, require_action
from apps.documents.models import DocumentState
from apps.documents.states import DOCUMENT_STATES, RUN_STATES, DocumentStateError, move_document, move_run
from tests.core.tables import enumerate_table
from tests.factories import DocumentFactory, TaskRunFactory

pytestmark = pytest.mark.django_db


def test_the_document_table_moves_exactly_the_allowed_pairs(tenant_a, in_tenant):
    with in_tenant(tenant_a):
        wrong = enumerate_table(
            DOCUMENT_STATES,
            lambda state: DocumentFactory(tenant=tenant_a, state=state),
            lambda row, name: move_document(row, name),
        )
    assert wrong == []


def test_the_processing_attempt_table_moves_exactly_the_allowed_pairs(tenant_a, in_tenant):
    with in_tenant(tenant_a):
        document = DocumentFactory(tenant=tenant_a, state=DocumentState.OCR)
        wrong = enumerate_table(
            RUN_STATES,
            lambda state: TaskRunFactory(tenant=tenant_a, document=document, state=state),
            lambda row, name: move_run(row, name),
        )
    assert wrong == []


def test_a_refused_document_move_is_a_document_error_and_a_conflict(tenant_a, in_tenant):
    from apps.core.errors import Conflict
    from apps.documents.errors import DocumentError

    with in_tenant(tenant_a):
        document = DocumentFactory(tenant=tenant_a, state=DocumentState.POSTED)
        with pytest.raises(DocumentStateError) as refused:
            move_document(document, "archive")
    assert isinstance(refused.value, DocumentError) and isinstance(refused.value, Conflict)


@pytest.mark.parametrize(
    ("state", "available"),
    [
        (DocumentState.NEEDS_REVIEW, {"review", "approve", "reject", "retry"}),
        (DocumentState.FAILED, {"reject", "archive", "retry"}),
        (DocumentState.REJECTED, {"restore"}),
        (DocumentState.ARCHIVED, {"restore"}),
        (DocumentState.REVERSED, {"reject", "reopen"}),
        (DocumentState.OCR, set()),
    ],
)
def test_the_actions_follow_the_table(tenant_a, in_tenant, state, available):
    with in_tenant(tenant_a):
        document = DocumentFactory(tenant=tenant_a, state=state)
    actions = available_actions(document)
    assert {name for name, action in actions.items() if action.available} == available
    assert all(action.reason for action in actions.values() if not action.available)


def test_a_posted_document_is_reversed_not_read_again(tenant_a, in_tenant):
    with in_tenant(tenant_a):
        document = DocumentFactory(tenant=tenant_a, state=DocumentState.POSTED, journal_entry_id=uuid.uuid4())
    actions = available_actions(document)
    assert actions["reverse"].available and not actions["retry"].available
    with pytest.raises(DocumentStateError, match="can be run again; this one is posted"):
        require_action(document, "retry")


def test_a_document_under_review_with_an_entry_cannot_be_read_again(tenant_a, in_tenant):
    with in_tenant(tenant_a):
        document = DocumentFactory(tenant=tenant_a, state=DocumentState.NEEDS_REVIEW, journal_entry_id=uuid.uuid4())
    retry = available_actions(document)["retry"]
    assert not retry.available and "reverse the journal entry" in retry.reason


def test_a_rejection_that_was_read_is_restored_to_review_else_to_failed(tenant_a, in_tenant):
    with in_tenant(tenant_a):
        read = DocumentFactory(tenant=tenant_a, state=DocumentState.REJECTED, extraction={"kind": None})
        unread = DocumentFactory(tenant=tenant_a, state=DocumentState.REJECTED)
    assert require_action(read, "restore") == "restore_to_review"
    assert require_action(unread, "restore") == "restore_as_failed"
