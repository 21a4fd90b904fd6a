"""Sealing the stored files: plain ones from before encryption, and ones on an old data-key version.

One routine does both: read the file, open it (plain passes only where the
row says plain), check it against the row's SHA-256, seal it under the
tenant's active key, durably replace it (``replace_blob``: the old bytes stay
until the new ones are complete), then record the version on the row with a
compare-and-swap. A crash at any point leaves a file that opens: before the
rename it is the old one, after it the new one, and a row still saying the old
version is simply picked up again by the next pass. Readers open a file by
its own header, not the row's version, so they never fail during a sweep.

Registered as the ``documents.files`` BlobStore (apps.security_center.crypto.reencryption)
for the DEK-rotation sweep; ``manage.py seal_document_files`` runs it by hand.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable

from django.db.models import Q, QuerySet

from apps.documents.errors import StoredFileUnreadable
from apps.documents.models import Document, DocumentState
from apps.documents.sealing import open_file, seal_file
from apps.documents.services.storage import read_blob, replace_blob
from apps.security_center.crypto import envelope, keystore
from apps.security_center.crypto.errors import DecryptionError
from apps.security_center.crypto.reencryption import BlobStore
from apps.tenancy.context import tenant_context, tenant_scope
from apps.tenancy.models import Tenant

log = logging.getLogger(__name__)
STORE_NAME = "documents.files"


def _files() -> QuerySet[Document]:
    """Rows that own a stored file (duplicates point at another row's file)."""
    return Document.objects.exclude(state=DocumentState.DUPLICATE).exclude(storage_name="")


def _stale(version: int) -> QuerySet[Document]:
    return _files().filter(Q(file_key_version__isnull=True) | ~Q(file_key_version=version))


def active_version(tenant: Tenant | uuid.UUID) -> int:
    tenant_id = getattr(tenant, "pk", tenant)
    with tenant_context(tenant_id):
        return keystore.active_key(tenant_id)[0]


def count_total(tenant: Tenant) -> int:
    with tenant_context(tenant):
        return _files().count()


def count_plain(tenant: Tenant) -> int:
    with tenant_context(tenant):
        return _files().filter(file_key_version__isnull=True).count()


def count_stale(tenant: Tenant, dek_version: int) -> int:
    """Files not sealed under ``dek_version`` (plain ones included), from the rows alone: no file is read."""
    with tenant_context(tenant):
        return _stale(dek_version).count()


def reseal_file(tenant_id: uuid.UUID, pk: uuid.UUID, name: str, old_version: int | None, sha256: str) -> bool:
    """Seal one document's file under the active key and record it; False when it was left as it is (logged)."""
    try:
        data = read_blob(name)
    except FileNotFoundError:
        log.warning("file to seal is missing", extra={"document_id": str(pk)})  # reconciliation reports it
        return False
    with tenant_scope(tenant_id):
        try:
            plain = open_file(tenant_id, name, data, expect_sealed=old_version is not None)
        except (DecryptionError, StoredFileUnreadable) as exc:
            log.error("file to seal does not open", extra={"document_id": str(pk), "error": type(exc).__name__})
            return False
        if hashlib.sha256(plain).hexdigest() != sha256:
            log.error("file to seal does not match its row's SHA-256", extra={"document_id": str(pk)})
            return False
        sealed, version = seal_file(tenant_id, name, plain)
        if not (envelope.looks_sealed(data) and envelope.dek_version_of(data) == version):
            replace_blob(name, sealed)  # else: sealed by an interrupted pass already; only the row is behind
    with tenant_context(tenant_id):
        same = Q(file_key_version__isnull=True) if old_version is None else Q(file_key_version=old_version)
        Document.objects.filter(same, pk=pk).update(file_key_version=version)
    return True


def reencrypt_batch(tenant: Tenant, limit: int) -> int:
    """Seal up to ``limit`` of the tenant's stale files under its active key; returns how many were sealed.

    Files that cannot be sealed (missing, not opening, wrong hash) are skipped
    and logged, and the batch goes on to the next ones.
    """
    tenant_id = getattr(tenant, "pk", tenant)
    version = active_version(tenant_id)
    done = 0
    with tenant_context(tenant_id):
        rows = list(_stale(version).order_by("pk").values_list("pk", "storage_name", "file_key_version", "sha256"))
    for pk, name, old_version, sha256 in rows:
        if done >= limit:
            break
        done += reseal_file(tenant_id, pk, name, old_version, sha256)
    return done


def seal_tenant_files(
    tenant: Tenant, *, batch_size: int = 50, progress: Callable[[str], object] | None = None
) -> tuple[int, int]:
    """Seal all of a tenant's stale files, batch by batch, saying ``done/total``; returns (done, total)."""
    total = count_total(tenant)
    version = active_version(tenant)
    while True:
        done = total - count_stale(tenant, version)
        if progress is not None:
            progress(f"{STORE_NAME} tenant {tenant.pk}: {done}/{total} on key version {version}")
        if done >= total or reencrypt_batch(tenant, batch_size) == 0:
            return done, total


DOCUMENT_FILES = BlobStore(
    name=STORE_NAME,
    count_stale=count_stale,
    reencrypt_batch=reencrypt_batch,
    count_total=count_total,
    count_plain=count_plain,
)
