"""Writes one business's made history in bulk, inside its ``tenant_context`` as the application role.

Why the ORM's ``bulk_create`` and not ``COPY``: it runs the encrypted fields' ``pre_save``, so every
extraction, text, reason and entry description is sealed by the product's own code under the tenant's data
key, and each INSERT passes row-level security's WITH CHECK like the product's writes. The ledger's balance
triggers and the audit chain trigger run as they do in production (a batch commits when they pass).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator, Sequence
from datetime import timedelta
from typing import TypeVar

from django.utils import timezone

from apps.audit.models import ZERO_HASH, AuditEvent
from apps.audit.services import canonical_json
from apps.documents.models import Document, DocumentSearchToken, DocumentState, TaskRun
from apps.documents.sealing import duplicate_index_of
from apps.documents.search import document_tokens
from apps.ledger.models import Account, BankTransaction, JournalCounter, JournalEntry, JournalLine
from apps.security_center.crypto import keystore
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Tenant

from .bulk import copy_insert
from .history import OCR_TASK, Made, classification_of

T = TypeVar("T")
BATCH = 1000
BANK_FEED = "bench-current-account"


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _document(tenant: Tenant, item: Made, owner_id) -> Document:
    posted = item.state == DocumentState.POSTED
    extraction = None if item.state == DocumentState.FAILED else item.extraction.to_json()
    done = item.uploaded_at + timedelta(seconds=item.processed_seconds + 1)
    doc = Document(
        id=item.id,
        tenant=tenant,
        original_filename=f"{item.number.lower()}.pdf",
        content_type="application/pdf",
        size=item.size,
        pages=item.pages,
        sha256=item.sha256,
        storage_name=f"{tenant.pk}/{item.sha256}.pdf",
        file_key_version=1,
        source=Document.Source.PORTAL,
        uploaded_by_id=owner_id,
        state=item.state,
        failure_reason=item.failure_reason,
        failure_step="ocr" if item.failure_reason else "",
        set_aside_reason=item.set_aside_reason,
        extraction=extraction,
        text="" if extraction is None else item.extraction.text,
        classification=None if extraction is None else classification_of(item),
        review_reasons=list(item.classification.reasons) if item.state == DocumentState.NEEDS_REVIEW else [],
        journal_entry_id=_entry_id(item) if posted else None,
        attempts=1,
        uploaded_at=item.uploaded_at,
    )
    doc.duplicate_index = None if extraction is None else duplicate_index_of(tenant.pk, extraction)
    return doc, done


def _entry_id(item: Made) -> uuid.UUID:
    return uuid.uuid5(item.id, "entry")


def line_id(item: Made, position: int) -> uuid.UUID:
    return uuid.uuid5(_entry_id(item), str(position))


def _run(tenant: Tenant, item: Made) -> TaskRun:
    started = item.uploaded_at + timedelta(seconds=0.4)
    failed = item.state == DocumentState.FAILED
    return TaskRun(
        id=uuid.uuid5(item.id, "run"),
        tenant=tenant,
        document_id=item.id,
        task_name=OCR_TASK,
        queued_at=item.uploaded_at,
        celery_task_id=str(uuid.uuid5(item.id, "celery")),
        state=TaskRun.State.FAILED if failed else TaskRun.State.SUCCEEDED,
        started_at=started,
        finished_at=started + timedelta(seconds=item.processed_seconds),
        worker="ocr@bench-1",
        step="ocr" if failed else ("post" if item.plan else "classify"),
        error="no text found" if failed else "",
    )


def _audit(tenant: Tenant, entry: JournalEntry, lines: list[dict], item: Made, at) -> AuditEvent:
    """What ``record_event("ledger.entry.posted", ...)`` writes for the pipeline's posting (no actor)."""
    event = AuditEvent(
        chain=tenant.pk,
        seq=0,
        prev_hash=ZERO_HASH,
        hash=ZERO_HASH,
        occurred_at=at,
        action="ledger.entry.posted",
        actor_id="",
        actor_label="Strongroom",
        tenant_id=tenant.pk,
        target_type="ledger.journalentry",
        target_id=str(entry.pk),
        request_id="",
    )
    after = {
        "number": entry.number,
        "date": entry.date.isoformat(),
        "kind": entry.kind,
        "lines": lines,
        "document": str(item.id),
        "posting": 1,
    }
    extra = {"rule_id": "", "confidence": item.classification.confidence, "needs_review": False}
    event.body = canonical_json(
        {
            "id": str(event.id), "chain": str(event.chain), "occurred_at": at.isoformat(),
            "action": event.action, "actor_id": "", "actor": "Strongroom", "on_behalf_of": "",
            "tenant_id": str(tenant.pk), "target_type": event.target_type, "target_id": event.target_id,
            "before": {}, "after": after, "extra": extra, "request_id": "", "ip": None,
        }
    )  # fmt: skip
    return event


def write_history(tenant: Tenant, made: list[Made], *, owner_id, first_number: int = 1) -> dict[str, int]:
    """Insert the documents, their task runs, entries, lines and audit events in batches; return row counts."""
    counts = {"documents": 0, "task_runs": 0, "entries": 0, "lines": 0, "audit_events": 0}
    number = first_number - 1
    with tenant_context(tenant):  # the data key, committed first: then every seal below finds it cached
        keystore.active_key(tenant.pk)
        if made:  # and the blind-index key (the duplicate index)
            duplicate_index_of(tenant.pk, made[0].extraction.to_json())
    for batch in chunks(made, BATCH):
        with tenant_context(tenant):
            accounts = {a.code: a.pk for a in Account.objects.all()}
            docs, runs, entries, lines, events = [], [], [], [], []
            for item in batch:
                doc, done = _document(tenant, item, owner_id)
                doc.state_changed_at = done
                docs.append(doc)
                runs.append(_run(tenant, item))
                if item.plan is None:
                    continue
                number += 1
                plan = item.plan
                entry = JournalEntry(
                    id=_entry_id(item),
                    tenant=tenant,
                    number=number,
                    date=plan.entry_date,
                    description=plan.description[:255],
                    source_document_id=item.id,
                    document_posting=1,
                    kind=plan.kind,
                    explanation=item.classification.explanation,
                    posted_at=done,
                )
                entries.append(entry)
                summary = []
                for position, spec in enumerate(plan.lines):
                    lines.append(
                        JournalLine(
                            id=line_id(item, position),
                            tenant=tenant,
                            entry_id=entry.pk,
                            account_id=accounts[spec.account_code],
                            position=position,
                            debit=spec.debit,
                            credit=spec.credit,
                            vat_rate=spec.vat_rate,
                            vat_treatment=spec.vat_treatment,
                            description=spec.description[:255],
                        )
                    )
                    summary.append(
                        {"account": spec.account_code, "debit": f"{spec.debit:.2f}", "credit": f"{spec.credit:.2f}"}
                    )
                events.append(_audit(tenant, entry, summary, item, done))
            for rows in (docs, runs, entries, lines, events):
                copy_insert(rows)
            # The documents' search and period tokens, as Document.save writes them (decisions 0035, 0037).
            DocumentSearchToken.objects.bulk_create(
                [
                    DocumentSearchToken(tenant=tenant, document_id=item.id, token=token)
                    for item in batch
                    if item.state != DocumentState.FAILED  # as _document: a failed one has no extraction
                    for token in sorted(document_tokens(tenant.pk, item.extraction.to_json()))
                ],
                batch_size=2000,
            )
        for key, n in (("documents", len(docs)), ("task_runs", len(runs)), ("entries", len(entries)),
                       ("lines", len(lines)), ("audit_events", len(events))):  # fmt: skip
            counts[key] += n
    with tenant_context(tenant):
        JournalCounter.objects.update_or_create(tenant=tenant, defaults={"last_number": number})
    return counts


def write_bank_lines(tenant: Tenant, made: list[Made], *, seed: int, share: float = 0.2) -> int:
    """A bank feed: a payment per posted document for ``share`` of them (matched), and as many unposted lines."""
    rng = random.Random(f"{seed}:{tenant.slug}:bank")  # noqa: S311 - reproducible data, not secrets
    posted = [m for m in made if m.plan is not None and rng.random() < share]
    rows = []
    for i, item in enumerate(posted):
        gross = item.extraction.gross.value
        sales = item.extraction.kind.value == "sales_invoice"
        party = item.extraction.customer_name.value if sales else item.extraction.supplier_name.value
        day = item.extraction.issue_date.value + timedelta(days=rng.randrange(1, 30))
        rows.append(
            BankTransaction(
                id=uuid.uuid5(item.id, "bank"),
                tenant=tenant,
                feed_account_id=BANK_FEED,
                external_id=f"txn-{i:07d}",
                date=min(day, timezone.localdate()),
                description=f"{'FPS CREDIT' if sales else 'DD'} {party.upper()} REF {item.number}",
                amount=gross if sales else -gross,
                counterparty=party,
                status=BankTransaction.Status.MATCHED,
                journal_entry_id=_entry_id(item),
                imported_at=item.uploaded_at,
            )
        )
        if i % 2 == 0:  # an unposted line nobody has handled yet (card spend, transfers)
            rows.append(
                BankTransaction(
                    id=uuid.uuid5(item.id, "bank-unposted"),
                    tenant=tenant,
                    feed_account_id=BANK_FEED,
                    external_id=f"txn-{i:07d}-u",
                    date=min(day, timezone.localdate()),
                    description=f"CARD PAYMENT {rng.choice(('TFL TRAVEL', 'PRET A MANGER', 'AMAZON MKTPLACE'))}",
                    amount=-(rng.randrange(300, 9000) / 100),
                    counterparty="",
                    imported_at=item.uploaded_at,
                )
            )
    for batch in chunks(rows, BATCH):
        with tenant_context(tenant):
            copy_insert(batch)
    return len(rows)
