"""Where document bytes live: named by tenant and content hash, written durably, encrypted.

Never by the user's file name (no path tricks, no collisions across tenants),
and on a local filesystem fsynced before the row that points at it commits.
A document's file is sealed under the tenant's data key before it is written
(``store_document_file``) and opened on the way out (``read_document_file``):
the store holds no readable document (decision 0024). ``store_blob`` and
``read_blob`` move bytes as they are (the store's marker, journal attachments).
"""

from __future__ import annotations

import errno
import logging
import os
import tempfile
import uuid
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage

from apps.documents.errors import StorageFull, StoredFileUnreadable
from apps.documents.sealing import open_file, seal_file
from apps.documents.services.store_identity import require_store
from apps.documents.validation import UploadInfo
from apps.security_center.crypto.errors import DecryptionError
from apps.tenancy.context import tenant_scope

log = logging.getLogger(__name__)


def blob_name(tenant_id: uuid.UUID, info: UploadInfo) -> str:
    return f"tenants/{tenant_id}/documents/{info.sha256[:2]}/{info.sha256}.{info.extension}"


def tenant_prefix(tenant_id: uuid.UUID) -> str:
    return f"tenants/{tenant_id}/documents/"


# A full disk or an exhausted quota: the upload is refused with a 507, never a 500.
NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT})


def store_blob(name: str, content: bytes) -> None:
    """Write ``content`` at exactly ``name`` (idempotent for the same bytes), into this database's store only.

    Raises ``StoreUnavailable`` when the store is not this database's (nothing
    written) and ``StorageFull`` when it has no room (nothing left behind).
    """
    _into_store(lambda: write_blob(name, content))


def _into_store(write) -> None:
    try:
        require_store()  # may write the marker on first use: a full disk there is a full disk too
        write()
    except OSError as exc:
        if exc.errno in NO_SPACE:
            log.error("document store full", extra={"errno": errno.errorcode.get(exc.errno, exc.errno)})
            raise StorageFull() from exc
        raise


def store_document_file(tenant_id: uuid.UUID, name: str, content: bytes) -> int:
    """Seal a document's bytes under the tenant's active data key and store them at ``name``; returns the version.

    Always rewrites the name (sealed bytes differ each time), atomically, so a
    reader sees the old file or the new one. Raises like ``store_blob``.
    """
    with tenant_scope(tenant_id):
        sealed, version = seal_file(tenant_id, name, content)
    _into_store(lambda: replace_blob(name, sealed))
    return version


def read_stored_file(tenant_id: uuid.UUID, name: str, file_key_version: int | None) -> bytes:
    """The original bytes of a document's stored file. Raises FileNotFoundError or StoredFileUnreadable."""
    data = read_blob(name)
    try:
        with tenant_scope(tenant_id):
            return open_file(tenant_id, name, data, expect_sealed=file_key_version is not None)
    except DecryptionError as exc:  # altered, another business's, or its keys were shredded
        raise StoredFileUnreadable(extra={"name": name, "why": type(exc).__name__}) from exc


def read_document_file(document) -> bytes:
    """The original bytes of ``document``'s file (for the download, preview and reading it)."""
    return read_stored_file(document.tenant_id, document.storage_name, document.file_key_version)


def _write_file_durably(path: Path, content: bytes, *, remove_if_unsynced: bool) -> None:
    """Temporary file, fsync, atomic rename, fsync the folder; a failure before the rename leaves ``path`` as it was.

    ``remove_if_unsynced``: if the folder's fsync fails after the rename, remove ``path`` too.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    try:
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except BaseException:
        if remove_if_unsynced:
            path.unlink(missing_ok=True)
        raise


def replace_blob(name: str, content: bytes) -> None:
    """Durably put ``content`` at ``name`` over whatever is there: the old bytes stay until the new are complete.

    Local disk: temporary file, fsync, atomic rename, fsync the folder (a
    failure before the rename leaves the old file as it was). Object storage:
    one PUT over the key (the store must overwrite, ``file_overwrite``).
    """
    if isinstance(default_storage, FileSystemStorage):
        path = Path(default_storage.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        existed = path.exists()
        # A new file that is not durable is not kept (the caller was refused). A replaced one stays: the old
        # bytes are gone already and these open to the same document.
        _write_file_durably(path, content, remove_if_unsynced=not existed)
        return
    saved = default_storage.save(name, ContentFile(content))
    if saved != name:  # a store that renames instead of overwriting: never leave the copy behind
        default_storage.delete(saved)
        raise RuntimeError("the document store must overwrite objects in place (file_overwrite)")


def write_blob(name: str, content: bytes, *, replace: bool = False) -> None:
    """The durable write itself: temporary file, fsync, rename, fsync the folder; a failure leaves no file.

    ``replace`` overwrites a different file of the same name (the store's marker);
    blobs are content-named, so an existing one of the same size is these bytes.
    """
    if isinstance(default_storage, FileSystemStorage):
        path = Path(default_storage.path(name))
        if not replace and path.exists() and path.stat().st_size == len(content):
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_file_durably(path, content, remove_if_unsynced=True)  # not durable: no file the caller was refused
        return
    if replace and default_storage.exists(name):
        default_storage.delete(name)
    if not default_storage.exists(name):  # object storage (S3): content-named, so an existing object is these bytes
        default_storage.save(name, ContentFile(content))


def read_blob(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def blob_exists(name: str) -> bool:
    return default_storage.exists(name)


def list_blobs(prefix: str) -> list[str]:
    """Every stored name under ``prefix`` (recursively)."""
    found: list[str] = []

    def walk(directory: str) -> None:
        # No exists() check: object stores have no directories, only key prefixes.
        try:
            dirs, files = default_storage.listdir(directory)
        except FileNotFoundError:
            return
        found.extend(f"{directory}{f}" for f in files if not f.startswith(".upload-"))
        for d in dirs:
            walk(f"{directory}{d}/")

    walk(prefix)
    return found
