"""Where document bytes live: named by tenant and content hash, written durably.

Never by the user's file name (no path tricks, no collisions across tenants),
and on a local filesystem fsynced before the row that points at it commits.
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

from apps.documents.errors import StorageFull
from apps.documents.services.store_identity import require_store
from apps.documents.validation import UploadInfo

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
    try:
        require_store()  # may write the marker on first use: a full disk there is a full disk too
        write_blob(name, content)
    except OSError as exc:
        if exc.errno in NO_SPACE:
            log.error("document store full", extra={"errno": errno.errorcode.get(exc.errno, exc.errno)})
            raise StorageFull() from exc
        raise


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
        except BaseException:  # not durable, so not kept: no file the caller believes was refused
            path.unlink(missing_ok=True)
            raise
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
