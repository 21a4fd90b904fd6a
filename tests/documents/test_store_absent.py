"""A missing document store: reconciliation refuses to act, alerts, and never changes a final document's state.

Issue #17 measured 5,208 documents marked failed in 4.2 s, posted ones
included, when the store was not mounted: no alert, no undo. Here the store
directory is renamed away (a volume not mounted), replaced by an empty one (a
database restored without its files) or emptied of most files (the wrong
volume with a copied marker); each time nothing changes, the report says why,
the gauge the DocumentStoreUnavailable alert reads is 1, readiness fails and
uploads are refused.
"""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from apps.core.state_machine import InvalidTransition
from apps.documents.errors import StoreUnavailable
from apps.documents.models import Document, DocumentState, DocumentStoreIdentity, TaskRun
from apps.documents.services.reconcile import reconcile_all
from apps.documents.services.storage import store_blob
from apps.documents.services.store_identity import MARKER_NAME, store_status
from apps.documents.services.upload import upload_document
from apps.documents.states import DOCUMENT_TRANSITIONS, LOSABLE, move_document
from apps.monitors.collectors import DocumentStoreCollector
from apps.observability.health import readiness
from tests.documents.samples import pdf_bytes
from tests.factories import DocumentFactory

pytestmark = pytest.mark.django_db
S = DocumentState
FINAL = [S.POSTED, S.REVERSED, S.REJECTED, S.ARCHIVED, S.FAILED, S.DUPLICATE]


@pytest.fixture
def books(tenant_a, in_tenant, media_root):
    """A store in use: documents in every state that has a file, each file stored; one stuck in OCR."""
    docs = {state: DocumentFactory(tenant=tenant_a, state=state) for state in [*FINAL[:-1], S.NEEDS_REVIEW, S.OCR]}
    for document in docs.values():
        store_blob(document.storage_name, f"%PDF-1.4 {document.pk}".encode())
    with in_tenant(tenant_a):
        Document.objects.filter(pk=docs[S.OCR].pk).update(state_changed_at=timezone.now() - timedelta(hours=2))
    return docs


def states(in_tenant, tenant) -> dict[str, str]:
    with in_tenant(tenant):
        return dict(Document.objects.values_list("pk", "state"))


def run_count(in_tenant, tenant) -> int:
    with in_tenant(tenant):
        return TaskRun.objects.count()


def gauge() -> float:
    (family,) = DocumentStoreCollector().collect()
    return family.samples[0].value


def store_check():
    return next(r for r in readiness() if r.name == "document_store")


def assert_refused(report, before, after, runs_before, runs_after) -> None:
    assert report.store_problem, "the report says why nothing was done"
    assert report.tenants == 0 and report.missing_files == [] and report.stuck == []
    assert after == before, "no document changed state"
    assert runs_after == runs_before, "nothing was re-queued"
    assert gauge() == 1, "the DocumentStoreUnavailable alert's gauge is raised"
    assert not store_check().ok, "readiness fails for the store"


def test_a_store_renamed_away_is_not_acted_on(books, tenant_a, in_tenant, media_root):
    before, runs = states(in_tenant, tenant_a), run_count(in_tenant, tenant_a)
    Path(media_root).rename(Path(media_root).with_name("media-unmounted"))
    report = reconcile_all()
    assert_refused(report, before, states(in_tenant, tenant_a), runs, run_count(in_tenant, tenant_a))
    assert "no marker" in report.store_problem


def test_a_database_restored_without_its_files_is_not_acted_on(books, tenant_a, in_tenant, media_root):
    before, runs = states(in_tenant, tenant_a), run_count(in_tenant, tenant_a)
    shutil.rmtree(media_root)
    Path(media_root).mkdir()  # an empty volume where the files should be
    report = reconcile_all()
    assert_refused(report, before, states(in_tenant, tenant_a), runs, run_count(in_tenant, tenant_a))


def test_a_store_with_another_stores_marker_is_not_acted_on(books, tenant_a, in_tenant, media_root):
    before, runs = states(in_tenant, tenant_a), run_count(in_tenant, tenant_a)
    DocumentStoreIdentity.objects.update(marker="00000000-0000-4000-8000-000000000000")
    report = reconcile_all()
    assert_refused(report, before, states(in_tenant, tenant_a), runs, run_count(in_tenant, tenant_a))
    assert "another store" in report.store_problem


def test_a_store_missing_most_of_a_sample_of_known_files_is_not_acted_on(books, tenant_a, in_tenant, media_root):
    before, runs = states(in_tenant, tenant_a), run_count(in_tenant, tenant_a)
    for path in Path(media_root).rglob("*.pdf"):
        path.unlink()
    report = reconcile_all()
    assert report.store_problem.endswith("sampled document files are missing from the store.")
    assert states(in_tenant, tenant_a) == before and run_count(in_tenant, tenant_a) == runs
    assert gauge() == 1


def test_a_present_store_with_one_missing_file_fails_only_open_work_and_reports_final_ones(
    books, tenant_a, in_tenant, media_root
):
    for state in (S.POSTED, S.NEEDS_REVIEW):
        Path(media_root, books[state].storage_name).unlink()
    report = reconcile_all()
    assert not report.store_problem and gauge() == 0
    after = states(in_tenant, tenant_a)
    assert after[books[S.POSTED].pk] == S.POSTED, "a posted document keeps its state"
    assert after[books[S.NEEDS_REVIEW].pk] == S.FAILED
    actions = {m["document"]: m["action"] for m in report.missing_files}
    assert actions == {str(books[S.POSTED].pk): "reported", str(books[S.NEEDS_REVIEW].pk): "failed"}
    assert [s["document"] for s in report.stuck] == [str(books[S.OCR].pk)], "the sweep did run"


@pytest.mark.parametrize("state", FINAL)
def test_the_state_machine_refuses_to_fail_a_final_document_for_a_missing_file(state, tenant_a, in_tenant):
    document = DocumentFactory(tenant=tenant_a, state=state)
    with in_tenant(tenant_a), pytest.raises(InvalidTransition):
        move_document(document, "lose_file")


def test_only_open_work_can_lose_its_file():
    assert set(DOCUMENT_TRANSITIONS["lose_file"].sources) == {str(s) for s in LOSABLE}
    assert not set(DOCUMENT_TRANSITIONS["lose_file"].sources) & {str(s) for s in FINAL}


def test_uploads_to_an_absent_store_are_refused_with_nothing_written(books, tenant_a, in_tenant, media_root):
    Path(media_root).rename(Path(media_root).with_name("media-unmounted"))
    with in_tenant(tenant_a):
        before = Document.objects.count()
    with pytest.raises(StoreUnavailable):
        upload_document(tenant=tenant_a, content=pdf_bytes(["Fictitious Fuels Ltd"]), filename="r.pdf")
    with in_tenant(tenant_a):
        assert Document.objects.count() == before
    assert not Path(media_root).exists(), "nothing was written where the volume should be"


def test_first_use_claims_the_store_and_a_clean_pass_clears_the_gauge(media_root):
    assert not DocumentStoreIdentity.objects.exists()
    assert store_status().ok
    marker = Path(media_root, MARKER_NAME).read_text().splitlines()
    assert marker[1] == str(DocumentStoreIdentity.objects.get().marker)
    assert not reconcile_all().store_problem and gauge() == 0
    assert store_check().ok
