"""The documents' checks and storage, lent to the ledger for files attached to manual journals.

The ledger sits below documents, so it cannot import these; the documents app
registers this gate with it in ``DocumentsConfig.ready`` (decision 0009).
"""

from __future__ import annotations

from apps.documents.selectors import document_list
from apps.documents.services.storage import read_blob, store_blob
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
        store_blob(name, content)

    def read(self, name: str) -> bytes:
        return read_blob(name)

    def attachable_documents(self, limit: int) -> list:
        return list(document_list(limit=limit))
