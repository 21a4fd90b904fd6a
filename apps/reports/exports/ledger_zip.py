"""The whole ledger for an accountant: a zip of accounts, journal lines and the documents index, streamed.

Why streamed: a business's ledger can hold hundreds of thousands of lines. The zip is written to a buffer
that is emptied after every few hundred rows, and the rows are read by keyset in chunks, each in its own
short transaction (a stream outlives the request's; a short one also lets the tenant's data key be cached
after the first chunk commits instead of unwrapped for every sealed value), so memory stays flat whatever
the ledger's size (no list of the whole ledger is ever built). Zip members
are written with data descriptors, which needs no seeking back, so the archive can go out as it is made.
"""

from __future__ import annotations

import uuid
import zipfile
from collections.abc import Iterable, Iterator

from apps.core.pagination import after_key
from apps.documents.models import Document
from apps.ledger.models import Account, JournalLine
from apps.ledger.paging import ORDER, Cursor
from apps.ledger.selectors import last_journal_number
from apps.reports.exports.csv_rows import csv_lines
from apps.tenancy.context import tenant_context

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


def accounts_rows(tenant_id: uuid.UUID) -> Iterator[list]:
    with tenant_context(tenant_id):  # a chart is tens of rows
        found = [[a.code, a.name, a.type, a.vat_control, a.is_active] for a in Account.objects.order_by("code")]
    yield from found


def journal_line_rows(tenant_id: uuid.UUID) -> Iterator[list]:
    """Every line of every entry numbered up to the last number when the export began: a consistent snapshot
    (numbers are handed out gap-free and posted entries never change), a chunk per short transaction."""
    with tenant_context(tenant_id):
        through = last_journal_number()
    after: Cursor | None = None
    while True:
        with tenant_context(tenant_id):
            lines = (
                JournalLine.objects.filter(entry__number__lte=through)
                .select_related("entry", "account")
                .defer("entry__explanation")  # long, sealed, and not part of the export
                .order_by(*ORDER)
            )
            if after is not None:
                lines = lines.filter(after.after())
            chunk = list(lines[:CHUNK])
            rows = [_line_row(ln) for ln in chunk]  # sealed descriptions are opened inside the business
        yield from rows
        if len(chunk) < CHUNK:
            return
        after = Cursor.of(chunk[-1])


def _line_row(ln: JournalLine) -> list:
    e = ln.entry
    return [
        e.number, e.date, e.kind, e.description, ln.position, ln.account.code, ln.account.name,
        ln.debit, ln.credit, ln.vat_rate, ln.vat_treatment, ln.description,
        e.source_document_id or "", e.reverses_id or "", e.pk,
    ]  # fmt: skip


DOCUMENT_COLUMNS = ("pk", "original_filename", "content_type", "pages", "uploaded_at", "received_on", "state",
                    "journal_entry_id")  # fmt: skip
DOCUMENT_ORDER = ("uploaded_at", "id")


def document_rows(tenant_id: uuid.UUID) -> Iterator[list]:
    key = None
    while True:
        with tenant_context(tenant_id):
            documents = Document.objects.only(*DOCUMENT_COLUMNS).order_by(*DOCUMENT_ORDER)
            if key is not None:
                documents = documents.filter(after_key(Document, DOCUMENT_ORDER, key))
            chunk = list(documents[:CHUNK])
        for d in chunk:
            yield [d.pk, d.original_filename, d.content_type, d.pages, d.uploaded_at, d.received_on, d.state,
                   d.journal_entry_id or ""]  # fmt: skip
        if len(chunk) < CHUNK:
            return
        key = [chunk[-1].uploaded_at, chunk[-1].pk]


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


def ledger_zip(tenant_id: uuid.UUID, members: Iterable = MEMBERS) -> Iterator[bytes]:
    """The zip's bytes, a piece at a time. Call outside any transaction: each chunk is read in its own."""
    spool = _Spool()
    with zipfile.ZipFile(spool, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, header, rows in members:
            with archive.open(name, mode="w", force_zip64=True) as member:
                for count, text in enumerate(csv_lines(header, rows(tenant_id))):
                    member.write(text.encode("utf-8"))
                    if count % FLUSH_EVERY == 0:
                        yield spool.take()
            yield spool.take()
    yield spool.take()
