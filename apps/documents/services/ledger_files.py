"""The documents' checks and storage, lent to the ledger for files attached to manual journals.

The ledger sits below documents, so it cannot import these; the documents app
registers this gate with it in ``DocumentsConfig.ready`` (decision 0009).
Attachments are sealed like documents' files (decision 0024), under the
tenant whose prefix names them; one stored before that opens as it is. They
have no key-version column, so rotation sweeps and the encryption.files check
do not count them yet (old key versions keep opening them).
"""

from __future__ import annotations

import uuid

from apps.documents.selectors import document_list
from apps.documents.services.storage import read_stored_file, store_document_file
from apps.documents.validation import UploadLimits, UploadRejected, inspect_upload
from apps.ledger.errors import AttachmentError
from apps.ledger.services.attachments import FileFacts


class DocumentFileGate:
    """Type by content, size, pages, pixels, decompression bombs; durable, fsynced storage."""

    def max_bytes(self) -> int:
        return UploadLimits.from_settings().max_bytes

    def inspect(self, content: bytes) -> FileFacts:
        try:
            info = inspect_upload(content)
        except UploadRejected as exc:
            raise AttachmentError(f"The attached file was refused: {exc.reason}") from None
        return FileFacts(info.content_type, info.size, info.sha256)

    def store(self, name: str, content: bytes) -> None:
        store_document_file(_tenant_of(name), name, content)

    def read(self, name: str) -> bytes:
        return read_stored_file(_tenant_of(name), name, None)

    def attachable_documents(self, limit: int) -> list:
        return list(document_list(limit=limit))


def _tenant_of(name: str) -> uuid.UUID:
    """The tenant an attachment belongs to, from its name (``tenants/<id>/journal-attachments/...``)."""
    prefix, tenant, _rest = name.split("/", 2)
    if prefix != "tenants":
        raise ValueError(f"{name!r} is not under a tenant's prefix")
    return uuid.UUID(tenant)
