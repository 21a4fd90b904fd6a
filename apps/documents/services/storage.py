"""Where document bytes live: named by tenant and content hash, written durably.

Never by the user's file name (no path tricks, no collisions across tenants),
and on a local filesystem fsynced before the row that points at it commits.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage

from apps.documents.validation import UploadInfo


def blob_name(tenant_id: uuid.UUID, info: UploadInfo) -> str:
    return f"tenants/{tenant_id}/documents/{info.sha256[:2]}/{info.sha256}.{info.extension}"


def tenant_prefix(tenant_id: uuid.UUID) -> str:
    return f"tenants/{tenant_id}/documents/"


def store_blob(name: str, content: bytes) -> None:
    """Write ``content`` at exactly ``name`` (idempotent for the same bytes)."""
    if isinstance(default_storage, FileSystemStorage):
        path = Path(default_storage.path(name))
        if path.exists() and path.stat().st_size == len(content):
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
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        return
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
