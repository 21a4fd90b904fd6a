"""Files attached to manual journals: checked like any upload, stored like the documents' bytes, never processed.

The bytes pass the same checks as an uploaded document (type judged by the
content, size, pages, pixels, decompression bombs), because a person will
open them later. They are stored by tenant and content hash and fsynced, like
a document's, but under their own prefix and with a ``JournalAttachment`` row
rather than a ``Document``: nothing OCRs, classifies or posts them.

Order, and why no orphan file is left by a refusal: every check that can
refuse a journal (reason, date, lines, VAT treatments, the file itself) runs
before the bytes are written; the bytes are written inside the journal's
transaction, just before the rows that point at them. Only a database failure
after that point (a lost connection at commit) can leave a stored file with
no row: it is content-named under the tenant's own prefix, served by no URL
(downloads go through the row), and reused if the same file is attached again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from apps.ledger.errors import AttachmentError
from apps.ledger.models import JournalAttachment, JournalEntry

ACCEPTED_TYPES = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}
ACCEPTED_WORDS = "PDF, PNG or JPEG"


@dataclass(frozen=True)
class AttachmentUpload:
    """A file as received: its name (untrusted, only for display) and its bytes."""

    filename: str
    content: bytes


@dataclass(frozen=True)
class CheckedAttachment:
    filename: str
    content: bytes
    content_type: str
    size: int
    sha256: str

    @property
    def extension(self) -> str:
        return ACCEPTED_TYPES[self.content_type]


def max_attachment_bytes() -> int:
    """The documents' size limit: one limit for every file a person gives us."""
    from apps.documents.validation import UploadLimits  # the documents app sits above the ledger

    return UploadLimits.from_settings().max_bytes


def too_large_refusal(size: int) -> str:
    """The refusal for a file known to be too large before its bytes are read; "" when it is not."""
    limit = max_attachment_bytes()
    if size <= limit:
        return ""
    return f"The attached file is {size / 1_000_000:.0f} MB; the limit is {limit / 1_000_000:.0f} MB."


def _display_name(name: str) -> str:
    """The last path part, printable characters only: the name is shown and sent back, never used as a path."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return "".join(ch for ch in name if ch.isprintable())[:200] or "attachment"


def check_attachment(upload: AttachmentUpload) -> CheckedAttachment:
    """The file's type and facts, or ``AttachmentError`` with the reason; writes nothing."""
    from apps.documents.validation import UploadRejected, inspect_upload

    try:
        info = inspect_upload(upload.content)
    except UploadRejected as exc:
        raise AttachmentError(f"The attached file was refused: {exc.reason}") from None
    if info.content_type not in ACCEPTED_TYPES:
        raise AttachmentError(f"The attached file must be a {ACCEPTED_WORDS} file (judged by its content).")
    return CheckedAttachment(_display_name(upload.filename), upload.content, info.content_type, info.size, info.sha256)


def storage_name(tenant_id: uuid.UUID, checked: CheckedAttachment) -> str:
    return f"tenants/{tenant_id}/journal-attachments/{checked.sha256[:2]}/{checked.sha256}.{checked.extension}"


def store_attachment(*, entry: JournalEntry, checked: CheckedAttachment, actor) -> JournalAttachment:
    """Write the bytes durably, then the row; call inside the journal's transaction, after its checks."""
    from apps.documents.services.storage import store_blob

    name = storage_name(entry.tenant_id, checked)
    store_blob(name, checked.content)
    return JournalAttachment.objects.create(
        tenant_id=entry.tenant_id,
        entry=entry,
        original_filename=checked.filename,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        storage_name=name,
        uploaded_by=actor if getattr(actor, "pk", None) else None,
    )


def read_attachment(attachment: JournalAttachment) -> bytes:
    """The stored bytes; ``FileNotFoundError`` if they are gone."""
    from apps.documents.services.storage import read_blob

    return read_blob(attachment.storage_name)
