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

The checks and the storage belong to the documents app, which sits above the
ledger: it registers its :class:`FileGate` in its ``AppConfig.ready``
(decision 0009). Without one, attaching a file fails (closed), it never skips
the checks.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol

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


@dataclass(frozen=True)
class FileFacts:
    """What the content check found: the type judged by the content, the size, the SHA-256 in hex."""

    content_type: str
    size: int
    sha256: str


class FileGate(Protocol):
    """The checks and the storage every file a person gives us goes through (the documents app's)."""

    def max_bytes(self) -> int: ...

    def inspect(self, content: bytes) -> FileFacts:
        """The file's facts, or ``AttachmentError`` with the reason in words."""
        ...

    def store(self, name: str, content: bytes) -> None: ...

    def read(self, name: str) -> bytes: ...

    def attachable_documents(self, limit: int) -> list:
        """The business's documents a journal may point at (each with ``pk`` and ``original_filename``)."""
        ...


_gate: list[FileGate] = []


def register_file_gate(gate: FileGate) -> None:
    """Called once from the documents app's ``ready``; a second call replaces the first."""
    _gate[:] = [gate]


def file_gate() -> FileGate:
    if not _gate:
        raise RuntimeError("No file gate is registered: the documents app checks and stores attachments.")
    return _gate[0]


def max_attachment_bytes() -> int:
    """The documents' size limit: one limit for every file a person gives us."""
    return file_gate().max_bytes()


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
    info = file_gate().inspect(upload.content)
    if info.content_type not in ACCEPTED_TYPES:
        raise AttachmentError(f"The attached file must be a {ACCEPTED_WORDS} file (judged by its content).")
    return CheckedAttachment(_display_name(upload.filename), upload.content, info.content_type, info.size, info.sha256)


def storage_name(tenant_id: uuid.UUID, checked: CheckedAttachment) -> str:
    return f"tenants/{tenant_id}/journal-attachments/{checked.sha256[:2]}/{checked.sha256}.{checked.extension}"


def store_attachment(*, entry: JournalEntry, checked: CheckedAttachment, actor) -> JournalAttachment:
    """Write the bytes durably, then the row; call inside the journal's transaction, after its checks."""
    name = storage_name(entry.tenant_id, checked)
    file_gate().store(name, checked.content)
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
    return file_gate().read(attachment.storage_name)
