"""Posting to the journal: documents, manual journals and reversals. Each owns its transaction and audits.

Run inside ``tenant_context``. Every posting first locks the tenant's journal
counter, so postings for one tenant queue, numbers are gap-free, and the
"already posted?" check after the lock cannot race.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from apps.audit.services import record_event
from apps.ledger.domain import EntryKind
from apps.ledger.errors import PostingError, ReversalError
from apps.ledger.models import JournalEntry
from apps.ledger.services.context import tenant_id_in_context
from apps.ledger.services.document_plan import plan_document_entry
from apps.ledger.services.journal import LineSpec, lines_for_audit, locked_counter, write_entry
from apps.ledger.services.periods import frozen_period_on
from apps.ledger.signals import entry_reversed

if TYPE_CHECKING:
    from apps.ledger.extraction import Extraction
    from apps.ledger.rules_engine import Classification


def _entry_summary(entry: JournalEntry) -> dict:
    return {
        "number": entry.number,
        "date": entry.date.isoformat(),
        "kind": entry.kind,
        "lines": lines_for_audit(entry),  # the description is sealed on the entry: not copied into the chain
    }


def _as_uuid(value: object) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise PostingError(f"{value!r} is not a document id.") from None


def _current_posting(document_id: uuid.UUID) -> JournalEntry | None:
    """The document's entry that still stands (not reversed), if any."""
    return (
        JournalEntry.objects.filter(source_document_id=document_id, reversals__isnull=True)
        .order_by("-document_posting")
        .first()
    )


def post_document(
    *,
    document_id: uuid.UUID | str,
    extraction: Extraction,
    classification: Classification,
    actor=None,
    entry_date: date | None = None,
) -> JournalEntry:
    """Post a document's entry; return the standing one if this document is posted already.

    The caller (the documents pipeline or its review panel) decides that the
    classification is fit to post; the entry keeps its explanation. A document
    whose entry was reversed is posted again as its next ``document_posting``.
    ``entry_date`` replaces the document's own date (a purchase invoice received
    after its period's return was frozen is claimed when it was received).
    """
    tenant_id = tenant_id_in_context()
    document_id = _as_uuid(document_id)
    existing = _current_posting(document_id)
    if existing is not None:
        return existing
    plan = plan_document_entry(extraction, classification)
    with transaction.atomic():
        counter = locked_counter(tenant_id)
        existing = _current_posting(document_id)
        if existing is not None:
            return existing
        earlier = JournalEntry.objects.filter(source_document_id=document_id).count()
        entry = write_entry(
            counter,
            kind=plan.kind,
            entry_date=entry_date or plan.entry_date,
            description=plan.description,
            lines=plan.lines,
            source_document_id=document_id,
            document_posting=earlier + 1,
            explanation=classification.explanation,
            actor=actor,
        )
        record_event(
            "ledger.entry.posted",
            actor=actor,
            tenant_id=tenant_id,
            target=entry,
            after=_entry_summary(entry) | {"document": str(document_id), "posting": earlier + 1},
            extra={
                # The explanation and a tenant rule's name name the supplier: sealed on the entry, not copied here.
                "rule_id": str(classification.rule_id) if classification.rule_id else "",
                "confidence": classification.confidence,
                "needs_review": classification.needs_review,
            },
            actor_label="" if actor else "Strongroom",
        )
    return entry


def post_manual_entry(
    *, entry_date: date, description: str, lines: Sequence[LineSpec], actor, explanation: str = ""
) -> JournalEntry:
    """A journal typed by a person (opening balances, adjustments). Balanced, two lines at least."""
    tenant_id = tenant_id_in_context()
    description = (description or "").strip()
    if not description:
        raise PostingError("Describe the journal: say what it is for.")
    with transaction.atomic():
        counter = locked_counter(tenant_id)
        entry = write_entry(
            counter,
            kind=EntryKind.MANUAL,
            entry_date=entry_date,
            description=description,
            lines=lines,
            explanation=explanation,
            actor=actor,
        )
        record_event("ledger.entry.posted", actor=actor, tenant_id=tenant_id, target=entry, after=_entry_summary(entry))
    return entry


def reversal_date(original: JournalEntry, *, today: date | None = None) -> date:
    """When a reversal of ``original`` is dated.

    In the original's own date while its VAT period is open, so the entry and
    its reversal fall in the same return and cancel there (an unfiled period is
    corrected in that period). Once that period's return is frozen its figures
    may not change: the reversal is dated today, and the return that takes it
    carries the correction.
    """
    today = today or timezone.localdate()
    return today if frozen_period_on(original.date) is not None else original.date


def reverse_entry(*, entry: JournalEntry, actor, reason: str, entry_date: date | None = None) -> JournalEntry:
    """Post the mirror of ``entry`` (debits and credits swapped), linked to it. The only way to correct.

    Dated by ``reversal_date`` unless told otherwise. Accounts deactivated
    since are allowed here: undoing must always be possible. Apps above the
    ledger hear of it through ``entry_reversed``, inside this transaction.
    """
    tenant_id = tenant_id_in_context()
    reason = (reason or "").strip()
    if not reason:
        raise ReversalError("Say why the entry is being reversed.")
    with transaction.atomic():
        counter = locked_counter(tenant_id)
        original = JournalEntry.objects.get(pk=entry.pk)
        if original.kind == EntryKind.REVERSAL:
            raise ReversalError(f"Journal {original.number} is itself a reversal: post a new entry instead.")
        earlier = JournalEntry.objects.filter(reverses=original).first()
        if earlier is not None:
            raise ReversalError(f"Journal {original.number} was already reversed by journal {earlier.number}.")
        mirrored = [
            LineSpec(
                line.account.code,
                debit=line.credit,
                credit=line.debit,
                description=line.description,
                vat_rate=line.vat_rate,
                vat_treatment=line.vat_treatment,
            )
            for line in original.lines.select_related("account").order_by("position")
        ]
        reversal = write_entry(
            counter,
            kind=EntryKind.REVERSAL,
            entry_date=entry_date or reversal_date(original),
            description=f"Reversal of journal {original.number}: {reason}",
            lines=mirrored,
            reverses=original,
            explanation=f"Reverses journal {original.number} ({original.description}). Reason: {reason}",
            actor=actor,
            require_active=False,
        )
        record_event(
            "ledger.entry.reversed",
            actor=actor,
            tenant_id=tenant_id,
            target=reversal,
            before={"number": original.number, "entry": str(original.pk), "date": original.date.isoformat()},
            after=_entry_summary(reversal),
            extra={"reason_chars": len(reason)},  # the reason is sealed in the reversal's description
        )
        entry_reversed.send(sender=JournalEntry, original=original, reversal=reversal, actor=actor)
    return reversal
