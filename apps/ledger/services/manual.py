"""Manual journals typed on the journals page: balanced lines, a VAT treatment per line, a reason.

Why stricter than ``post_manual_entry`` (which set-up and tests use): a person
correcting the books must say why, income and expense lines must say how VAT
treats them (else boxes 6 and 7 cannot count them), and a date inside a VAT
period whose return is frozen is refused, because that return's figures may
no longer change: the journal is dated in the open period instead.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from django.apps import apps
from django.db import transaction

from apps.audit.services import record_event
from apps.ledger.domain import EntryKind
from apps.ledger.errors import PostingError
from apps.ledger.models import Account, JournalEntry
from apps.ledger.services.attachments import AttachmentUpload, check_attachment, store_attachment
from apps.ledger.services.context import tenant_id_in_context
from apps.ledger.services.journal import LineSpec, lines_for_audit, locked_counter, validate_lines, write_entry
from apps.ledger.services.periods import first_open_day_after, frozen_period_on, frozen_periods

# Lines on these account types count in boxes 6 and 7 only with a VAT treatment.
TREATED_TYPES = frozenset({"income", "expense"})


def frozen_date_refusal(entry_date: date) -> str:
    """Why ``entry_date`` cannot take a new journal, with the date to use instead; "" when it can."""
    periods = frozen_periods()
    period = frozen_period_on(entry_date, periods)
    if period is None:
        return ""
    open_day = first_open_day_after(entry_date, periods)
    return (
        f"{entry_date:%d %b %Y} is in the VAT period {period.describe()}, whose return is {period.status_label}: "
        f"its figures can no longer change. Date the journal in the open period, on or after {open_day:%d %b %Y}; "
        "the return that takes it carries the correction."
    )


def _check_treatments(lines: Sequence[LineSpec]) -> None:
    types = dict(Account.objects.filter(code__in={line.account_code for line in lines}).values_list("code", "type"))
    for n, line in enumerate(lines, start=1):
        if types.get(line.account_code) in TREATED_TYPES and not line.vat_treatment:
            raise PostingError(
                f"Line {n} (account {line.account_code}) needs a VAT treatment: it decides whether the amount "
                "counts in boxes 6 and 7."
            )


def _check_attachment(document_id: uuid.UUID | None) -> None:
    if document_id is None:
        return
    # Read through the app registry: the documents app sits above the ledger.
    document_model = apps.get_model("documents", "Document")
    if not document_model.objects.filter(pk=document_id).exists():
        raise PostingError("The attached document does not exist in this business.")


def post_manual_journal(
    *,
    entry_date: date,
    description: str,
    reason: str,
    lines: Sequence[LineSpec],
    actor,
    attachment_document_id: uuid.UUID | None = None,
    attachment_file: AttachmentUpload | None = None,
) -> JournalEntry:
    """Post one manual journal, or refuse it with the reason and write nothing (no row, no stored file).

    ``attachment_file`` is a supporting file given with the journal: checked
    before anything is written, stored in the same transaction as the entry.
    """
    tenant_id = tenant_id_in_context()
    description, reason = (description or "").strip(), (reason or "").strip()
    if not description:
        raise PostingError("Describe the journal: say what it is for.")
    if len(reason) < 3:
        raise PostingError("Say why this journal is needed: the reason is kept with it and in the audit log.")
    refusal = frozen_date_refusal(entry_date)
    if refusal:
        raise PostingError(refusal)
    checked = validate_lines(lines)
    upload = check_attachment(attachment_file) if attachment_file is not None else None
    with transaction.atomic():
        _check_treatments(checked)
        _check_attachment(attachment_document_id)
        counter = locked_counter(tenant_id)
        entry = write_entry(
            counter,
            kind=EntryKind.MANUAL,
            entry_date=entry_date,
            description=description,
            lines=checked,
            explanation=f"Reason: {reason}",
            attachment_document_id=attachment_document_id,
            actor=actor,
        )
        stored = store_attachment(entry=entry, checked=upload, actor=actor) if upload is not None else None
        record_event(
            "ledger.journal.posted",
            actor=actor,
            tenant_id=tenant_id,
            target=entry,
            after={"number": entry.number, "date": entry.date.isoformat(), "lines": lines_for_audit(entry)},
            extra={
                "reason": reason,
                "attachment": str(attachment_document_id or ""),
                "attachment_file": stored.original_filename if stored else "",
                "attachment_sha256": stored.sha256 if stored else "",
            },
        )
    return entry
