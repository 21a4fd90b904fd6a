"""The whole ledger for an accountant: a zip of accounts, journal lines and the documents index, streamed.

Why streamed: a business's ledger can hold hundreds of thousands of lines. The zip is written to a buffer
that is emptied after every few hundred rows, and the rows are read with server-side cursors in chunks,
so memory stays flat whatever the ledger's size (no list of the whole ledger is ever built). Zip members
are written with data descriptors, which needs no seeking back, so the archive can go out as it is made.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator

from apps.documents.models import Document
from apps.ledger.models import Account, JournalLine
from apps.reports.exports.csv_rows import csv_lines

CHUNK = 2000
FLUSH_EVERY = 500  # rows between hand-overs of the compressed bytes


class _Spool:
    """A write-only stream whose bytes are taken away as they come (zipfile needs write and tell/flush)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.written = 0

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        self.written += len(data)
        return len(data)

    def tell(self) -> int:
        return self.written

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


def accounts_rows() -> Iterator[list]:
    for a in Account.objects.order_by("code").iterator(chunk_size=CHUNK):
        yield [a.code, a.name, a.type, a.vat_control, a.is_active]


def journal_line_rows() -> Iterator[list]:
    lines = JournalLine.objects.select_related("entry", "account").order_by("entry__date", "entry__number", "position")
    for ln in lines.iterator(chunk_size=CHUNK):
        e = ln.entry
        yield [
            e.number, e.date, e.kind, e.description, ln.position, ln.account.code, ln.account.name,
            ln.debit, ln.credit, ln.vat_rate, ln.vat_treatment, ln.description,
            e.source_document_id or "", e.reverses_id or "", e.pk,
        ]  # fmt: skip


def document_rows() -> Iterator[list]:
    columns = ("pk", "original_filename", "content_type", "pages", "uploaded_at", "received_on", "state",
               "journal_entry_id")  # fmt: skip
    for d in Document.objects.only(*columns).order_by("uploaded_at", "pk").iterator(chunk_size=CHUNK):
        yield [d.pk, d.original_filename, d.content_type, d.pages, d.uploaded_at, d.received_on, d.state,
               d.journal_entry_id or ""]  # fmt: skip


MEMBERS: tuple[tuple[str, list[str], object], ...] = (
    ("accounts.csv", ["Code", "Name", "Type", "VAT control", "Active"], accounts_rows),
    (
        "journal_lines.csv",
        [
            "Journal",
            "Date",
            "Kind",
            "Entry description",
            "Line",
            "Account code",
            "Account",
            "Debit",
            "Credit",
            "VAT rate",
            "VAT treatment",
            "Line description",
            "Document",
            "Reverses entry",
            "Entry id",
        ],
        journal_line_rows,
    ),
    (
        "documents.csv",
        ["Document", "File name", "Type", "Pages", "Uploaded", "Received", "State", "Journal entry id"],
        document_rows,
    ),
)


def ledger_zip(members: Iterable = MEMBERS) -> Iterator[bytes]:
    """The zip's bytes, a piece at a time. Call inside the tenant's context (the caller keeps it open)."""
    spool = _Spool()
    with zipfile.ZipFile(spool, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, header, rows in members:
            with archive.open(name, mode="w", force_zip64=True) as member:
                for count, text in enumerate(csv_lines(header, rows())):
                    member.write(text.encode("utf-8"))
                    if count % FLUSH_EVERY == 0:
                        yield spool.take()
            yield spool.take()
    yield spool.take()
