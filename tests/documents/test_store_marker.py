"""The store's marker read defensively: unreadable, foreign or garbled markers are "no marker", never a crash,
and a second claimer at the same moment adopts the first one's identity."""

from __future__ import annotations

import uuid

import pytest
from django.core.files.storage import default_storage
from django.db import IntegrityError

from apps.documents.models import DocumentStoreIdentity
from apps.documents.services import store_identity
from apps.documents.services.storage import write_blob
from apps.documents.services.store_identity import MARKER_HEADER, MARKER_NAME, read_marker, store_status

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "content",
    [b"", b"some other file\n" + str(uuid.uuid4()).encode(), MARKER_HEADER.encode() + b"\nnot-a-uuid\n"],
    ids=["empty", "foreign header", "garbled id"],
)
def test_a_marker_that_is_not_ours_reads_as_none(media_root, content):
    write_blob(MARKER_NAME, content, replace=True)
    assert read_marker() is None


def test_an_unreadable_store_reads_as_no_marker(media_root, monkeypatch):
    def unreadable(name):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(default_storage, "exists", unreadable)
    assert read_marker() is None


def test_without_claiming_an_unclaimed_store_is_not_yet_ours(media_root):
    status = store_status(claim=False)
    assert not status.ok and "not been claimed" in status.problem
    assert not DocumentStoreIdentity.objects.exists()


def test_a_store_with_another_databases_marker_is_refused(media_root):
    assert store_status().ok
    write_blob(MARKER_NAME, f"{MARKER_HEADER}\n{uuid.uuid4()}\n".encode(), replace=True)
    status = store_status()
    assert not status.ok and "another store's marker" in status.problem


def test_a_claim_that_loses_the_race_adopts_the_winners_identity(media_root, monkeypatch):
    winner = uuid.uuid4()
    real_create = DocumentStoreIdentity.objects.create

    def race(**kwargs):
        real_create(pk=1, marker=winner)  # the other process commits first
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(DocumentStoreIdentity.objects, "create", race)
    write_blob(MARKER_NAME, f"{MARKER_HEADER}\n{winner}\n".encode(), replace=True)
    monkeypatch.setattr(store_identity, "_expected", lambda: None)  # this process read before the winner wrote
    status = store_status()
    monkeypatch.undo()
    assert store_status().ok
    assert status.ok or "not been claimed" in status.problem
