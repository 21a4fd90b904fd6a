"""A full document store (ENOSPC, EDQUOT): a clear 507 on page and API, no stray file, no row; readiness says so.

Issue #17 measured a generic HTML 500 (the API too), a stray file without a row
from a multi-file upload, and a green readiness. The fault is injected at the
storage write (``os.fsync``, where a full disk or quota surfaces on a durable
write), and once on a real full filesystem (a tiny tmpfs) where mounting is
permitted.
"""

from __future__ import annotations

import errno
import os
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from apps.documents.models import Document
from apps.documents.services.store_identity import MARKER_NAME, store_status
from apps.observability.health import readiness
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Membership
from apps.tenancy.services import create_api_token
from tests.documents.samples import pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_processing(monkeypatch):
    from apps.documents.services import upload as upload_service

    monkeypatch.setattr(upload_service, "enqueue_processing", lambda run: None)


@pytest.fixture
def claimed(media_root):
    """The store is this database's already (its marker written), as in any installation past its first upload."""
    assert store_status().ok
    return Path(media_root)


@pytest.fixture
def disk_full_after(monkeypatch):
    """``disk_full_after(n)``: the first ``n`` fsyncs succeed, every later one fails with ``code`` (ENOSPC)."""

    def arm(allowed: int, code: int = errno.ENOSPC) -> None:
        real, calls = os.fsync, {"n": 0}

        def fsync(fd: int) -> None:
            calls["n"] += 1
            if calls["n"] > allowed:
                raise OSError(code, os.strerror(code))
            real(fd)

        monkeypatch.setattr(os, "fsync", fsync)

    return arm


def stored_files(root: Path) -> list[str]:
    """Every file under the store but its marker (the temporary ``.upload-`` files included: none may be left)."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and p.name != MARKER_NAME)


def documents(tenant) -> list[str]:
    with tenant_context(tenant):
        return list(Document.objects.order_by("uploaded_at").values_list("original_filename", flat=True))


@pytest.fixture
def portal(bookkeeper_a, tenant_a):
    client = Client()
    client.force_login(bookkeeper_a)

    def post(*files: tuple[str, bytes], htmx: bool = False):
        data = {"files": [SimpleUploadedFile(name, content) for name, content in files]}
        headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        return client.post(f"/t/{tenant_a.slug}/documents/upload/", data, **headers)

    return post


@pytest.fixture
def api(bookkeeper_a, tenant_a):
    client = Client()
    with tenant_context(tenant_a):
        _, key = create_api_token(membership=Membership.objects.get(user=bookkeeper_a), name="Scanner",
                                  actor=bookkeeper_a)  # fmt: skip

    def post(name: str, content: bytes):
        return client.post("/api/v1/documents/", {"file": SimpleUploadedFile(name, content)},
                           HTTP_AUTHORIZATION=f"Token {key}")  # fmt: skip

    return post


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT])
def test_a_full_store_answers_507_on_the_page_with_no_file_and_no_row(portal, claimed, disk_full_after, tenant_a, code):
    disk_full_after(0, code)
    response = portal(("receipt.pdf", pdf_bytes(["Fictitious Fuels Ltd"])))
    assert response.status_code == 507
    assert "document storage is full" in response.content.decode()
    assert stored_files(claimed) == [] and documents(tenant_a) == []


def test_a_full_store_answers_507_json_on_the_api(api, claimed, disk_full_after, tenant_a):
    disk_full_after(0)
    response = api("receipt.pdf", pdf_bytes(["Fictitious Fuels Ltd"]))
    assert response.status_code == 507
    body = response.json()
    assert body["code"] == "storage_full" and "document storage is full" in body["message"]
    assert stored_files(claimed) == [] and documents(tenant_a) == []


def test_a_multi_file_upload_keeps_the_files_stored_before_the_disk_filled_and_refuses_the_rest(
    portal, claimed, disk_full_after, tenant_a
):
    disk_full_after(2)  # the first file's fsyncs (file, then its folder); the second file's write fails
    first, second, third = (pdf_bytes([f"Fictitious Supplier {n}"]) for n in range(3))
    response = portal(("one.pdf", first), ("two.pdf", second), ("three.pdf", third))
    assert response.status_code == 302, "one file was stored: the list page with the refusals in messages"
    assert documents(tenant_a) == ["one.pdf"]
    with tenant_context(tenant_a):
        kept = Document.objects.get().storage_name
    assert stored_files(claimed) == [kept], "every file in the store has its row: no stray file"
    messages = [str(m) for m in response.wsgi_request._messages]
    assert sum("document storage is full" in m for m in messages) == 2, messages


def test_a_failure_after_the_rename_removes_the_file(portal, claimed, disk_full_after, tenant_a):
    disk_full_after(1)  # the file's own fsync passes; the folder's fsync (after the rename) fails
    response = portal(("receipt.pdf", pdf_bytes(["Fictitious Fuels Ltd"])))
    assert response.status_code == 507
    assert stored_files(claimed) == [] and documents(tenant_a) == []


def test_every_refused_file_of_a_batch_on_a_full_store_is_a_507(portal, claimed, disk_full_after, tenant_a):
    disk_full_after(0)
    response = portal(("one.pdf", pdf_bytes(["A"])), ("bad.txt", b"hello"), ("two.pdf", pdf_bytes(["B"])))
    assert response.status_code == 507, "the store's problem is the answer, not the one bad file"
    assert stored_files(claimed) == [] and documents(tenant_a) == []


def _document_store_check():
    return next(r for r in readiness() if r.name == "document_store")


def test_readiness_reports_the_store_free_space(claimed, settings):
    check = _document_store_check()
    assert check.ok and "free" in check.detail
    settings.DOCUMENT_STORE_MIN_FREE_BYTES = 10**18  # more than any disk has
    check = _document_store_check()
    assert not check.ok and "below" in check.detail


def test_readiness_fails_for_a_store_that_cannot_be_written(claimed, monkeypatch):
    import tempfile

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    check = _document_store_check()
    assert not check.ok and "Read-only" in check.detail


@pytest.fixture
def tiny_filesystem(tmp_path, settings):
    """A 256 KiB tmpfs as the store (root only, unmounted after); skips with the reason where mount is refused."""
    mountpoint = tmp_path / "tiny"
    mountpoint.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mountpoint)],
                             capture_output=True, text=True, check=False)  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.strip() or 'not root'}); the injected tests cover it")
    settings.MEDIA_ROOT = mountpoint
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", str(mountpoint)], check=True)


def test_a_real_full_filesystem_answers_507_with_no_stray_file_and_readiness_fails(tiny_filesystem, portal, tenant_a):
    assert store_status().ok
    filler = tiny_filesystem / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)
    response = portal(("receipt.pdf", pdf_bytes(["Fictitious Fuels Ltd"] * 20)))
    assert response.status_code == 507, response.content[:300]
    assert stored_files(tiny_filesystem) == ["filler"] and documents(tenant_a) == []
    assert not _document_store_check().ok
