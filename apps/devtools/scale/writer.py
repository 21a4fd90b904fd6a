"""Writes one business's made history in bulk, inside its ``tenant_context`` as the application role.

Rows are dicts handed to ``bulk.copy_rows``: every extraction, text, reason and entry description is sealed
through its field under the tenant's data key, and each INSERT passes row-level security's WITH CHECK like
the product's writes. The ledger's balance triggers, the audit chain trigger and the documents' state tally
run as they do in production (a batch commits when they pass). Search tokens are written as
``Document.save`` writes them, so search finds seeded documents.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from apps.audit.models import ZERO_HASH, AuditEvent
from apps.audit.services import canonical_json
from apps.documents.models import Document, DocumentSearchToken, DocumentState, TaskRun
from apps.documents.sealing import duplicate_index_of
from apps.documents.search import AMOUNT_LABEL, PERIOD_LABEL, SEARCH_LABEL, amount_term, period_terms, search_terms
from apps.ledger.models import Account, BankTransaction, JournalCounter, JournalEntry, JournalLine
from apps.security_center.crypto import envelope
from apps.security_center.crypto.blind_index import blind_index
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Tenant

from .bulk import copy_rows
from .history import OCR_TASK, Made, classification_of

T = TypeVar("T")
BATCH = 1000
# Audit events go in transactions of their own, this many at a time: the chain trigger updates its chain's head
# row once per event, and within one transaction every update leaves a row version the next lookup walks past,
# so one transaction of n events costs n^2 (measured: 4,650 events in one transaction 20x slower than 1,851).
AUDIT_BATCH = 250
BANK_FEED = "bench-current-account"


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _document(tenant_id: uuid.UUID, item: Made, owner_id, done) -> dict:
    posted = item.state == DocumentState.POSTED
    extraction = None if item.state == DocumentState.FAILED else item.extraction.to_json()
    return {
        "id": item.id,
        "tenant_id": tenant_id,
        "original_filename": f"{item.number.lower()}.pdf",
        "content_type": "application/pdf",
        "size": item.size,
        "pages": item.pages,
        "sha256": item.sha256,
        "storage_name": f"{tenant_id}/{item.sha256}.pdf",
        "file_key_version": 1,
        "source": Document.Source.PORTAL,
        "uploaded_by_id": owner_id,
        "state": item.state,
        "state_changed_at": done,
        "failure_reason": item.failure_reason,
        "failure_step": "ocr" if item.failure_reason else "",
        "set_aside_reason": item.set_aside_reason,
        "extraction": extraction,
        "text": "" if extraction is None else item.extraction.text,
        "classification": None if extraction is None else classification_of(item),
        "review_reasons": list(item.classification.reasons) if item.state == DocumentState.NEEDS_REVIEW else [],
        "journal_entry_id": _entry_id(item) if posted else None,
        "attempts": 1,
        "uploaded_at": item.uploaded_at,
        "duplicate_index": None if extraction is None else duplicate_index_of(tenant_id, extraction),
    }


def _entry_id(item: Made) -> uuid.UUID:
    return uuid.uuid5(item.id, "entry")


def line_id(item: Made, position: int) -> uuid.UUID:
    return uuid.uuid5(_entry_id(item), str(position))


def _run(tenant_id: uuid.UUID, item: Made) -> dict:
    started = item.uploaded_at + timedelta(seconds=0.4)
    failed = item.state == DocumentState.FAILED
    return {
        "id": uuid.uuid5(item.id, "run"),
        "tenant_id": tenant_id,
        "document_id": item.id,
        "task_name": OCR_TASK,
        "queued_at": item.uploaded_at,
        "celery_task_id": str(uuid.uuid5(item.id, "celery")),
        "state": TaskRun.State.FAILED if failed else TaskRun.State.SUCCEEDED,
        "started_at": started,
        "finished_at": started + timedelta(seconds=item.processed_seconds),
        "worker": "ocr@bench-1",
        "step": "ocr" if failed else ("post" if item.plan else "classify"),
        "error": "no text found" if failed else "",
    }


class SearchTokens:
    """A document's search and period tokens as ``Document.save`` writes them (``apps.documents.search``).

    A term's token is the tenant's HMAC of it, the same for every document holding the term (a supplier's
    words and VAT number recur across thousands of invoices), so it is computed once per business.
    """

    def __init__(self, tenant_id: uuid.UUID) -> None:
        self.tenant_id = tenant_id
        self._tokens: dict[tuple[str, str], bytes] = {}

    def token(self, term: str, label: str = SEARCH_LABEL) -> bytes:
        found = self._tokens.get((label, term))
        if found is None:
            found = self._tokens[(label, term)] = blind_index(self.tenant_id, term, label=label)
        return found

    def rows(self, document_id: uuid.UUID, extraction: dict | None) -> list[dict]:
        terms = [(term, SEARCH_LABEL) for term in search_terms(extraction)]
        terms += [(term, PERIOD_LABEL) for term in period_terms(extraction)]  # decision 0037
        gross = ((extraction or {}).get("gross") or {}).get("value")
        if gross is not None and (total := amount_term(gross)):
            terms.append((total, AMOUNT_LABEL))  # decision 0042
        tokens = sorted({self.token(term, label) for term, label in terms})
        return [
            {"id": uuid.uuid5(document_id, f"search-{t.hex()}"), "tenant_id": self.tenant_id,
             "document_id": document_id, "token": t}
            for t in tokens
        ]  # fmt: skip


def _audit(tenant_id: uuid.UUID, entry: dict, lines: list[dict], item: Made, at) -> dict:
    """What ``record_event("ledger.entry.posted", ...)`` writes for the pipeline's posting (no actor)."""
    event_id = uuid.uuid5(entry["id"], "audit")
    target_id = str(entry["id"])
    after = {
        "number": entry["number"],
        "date": entry["date"].isoformat(),
        "kind": entry["kind"],
        "lines": lines,
        "document": str(item.id),
        "posting": 1,
    }
    extra = {"rule_id": "", "confidence": item.classification.confidence, "needs_review": False}
    body = canonical_json(
        {
            "id": str(event_id), "chain": str(tenant_id), "occurred_at": at.isoformat(),
            "action": "ledger.entry.posted", "actor_id": "", "actor": "Strongroom", "on_behalf_of": "",
            "tenant_id": str(tenant_id), "target_type": "ledger.journalentry", "target_id": target_id,
            "before": {}, "after": after, "extra": extra, "request_id": "", "ip": None,
        }
    )  # fmt: skip
    return {
        "id": event_id, "chain": tenant_id, "seq": 0, "prev_hash": ZERO_HASH, "hash": ZERO_HASH,
        "occurred_at": at, "action": "ledger.entry.posted", "actor_id": "", "actor_label": "Strongroom",
        "tenant_id": tenant_id, "target_type": "ledger.journalentry", "target_id": target_id,
        "request_id": "", "body": body,
    }  # fmt: skip


def processed_at(item: Made) -> datetime:
    """When the pipeline finished ``item``: its document's last state change and its entry's posting time."""
    return item.uploaded_at + timedelta(seconds=item.processed_seconds + 1)


def entry_numbers(made: list[Made], *, first_number: int = 1) -> list[tuple[datetime, int]]:
    """(posted at, journal number) of each posted item, numbered as ``write_history`` numbers them."""
    posted = (item for item in made if item.plan is not None)
    return [(processed_at(item), number) for number, item in enumerate(posted, start=first_number)]


def write_history(tenant: Tenant, made: list[Made], *, owner_id, first_number: int = 1) -> dict[str, int]:
    """Insert the documents, their search tokens, task runs, entries, lines and audit events; return row counts."""
    counts = {"documents": 0, "search_tokens": 0, "task_runs": 0, "entries": 0, "lines": 0, "audit_events": 0}
    number = first_number - 1
    tenant_id = tenant.pk
    with tenant_context(tenant):  # the data and index keys, committed first: then every seal below finds them
        seal = envelope.sealer(tenant_id)
        accounts = {a.code: a.pk for a in Account.objects.all()}
        search = SearchTokens(tenant_id)
        if made:
            duplicate_index_of(tenant_id, made[0].extraction.to_json())
    for batch in chunks(made, BATCH):
        docs, tokens, runs, entries, lines, events = [], [], [], [], [], []
        with tenant_context(tenant):
            for item in batch:
                done = processed_at(item)
                doc = _document(tenant_id, item, owner_id, done)
                docs.append(doc)
                tokens += search.rows(item.id, doc["extraction"])
                runs.append(_run(tenant_id, item))
                if item.plan is None:
                    continue
                number += 1
                plan = item.plan
                entry = {
                    "id": _entry_id(item),
                    "tenant_id": tenant_id,
                    "number": number,
                    "date": plan.entry_date,
                    "description": plan.description[:255],
                    "source_document_id": item.id,
                    "document_posting": 1,
                    "kind": plan.kind,
                    "explanation": item.classification.explanation,
                    "posted_at": done,
                }
                entries.append(entry)
                summary = []
                for position, spec in enumerate(plan.lines):
                    lines.append(
                        {
                            "id": line_id(item, position),
                            "tenant_id": tenant_id,
                            "entry_id": entry["id"],
                            "account_id": accounts[spec.account_code],
                            "position": position,
                            "debit": spec.debit,
                            "credit": spec.credit,
                            "vat_rate": spec.vat_rate,
                            "vat_treatment": spec.vat_treatment,
                            "description": spec.description[:255],
                        }
                    )
                    summary.append(
                        {"account": spec.account_code, "debit": f"{spec.debit:.2f}", "credit": f"{spec.credit:.2f}"}
                    )
                events.append(_audit(tenant_id, entry, summary, item, done))
            for model, rows in ((Document, docs), (DocumentSearchToken, tokens), (TaskRun, runs),
                                (JournalEntry, entries), (JournalLine, lines)):  # fmt: skip
                copy_rows(model, rows, seal=seal)
        for chunk in chunks(events, AUDIT_BATCH):
            with tenant_context(tenant):
                copy_rows(AuditEvent, chunk, seal=seal)
        for key, n in (("documents", len(docs)), ("search_tokens", len(tokens)), ("task_runs", len(runs)),
                       ("entries", len(entries)), ("lines", len(lines)), ("audit_events", len(events))):  # fmt: skip
            counts[key] += n
    with tenant_context(tenant):
        JournalCounter.objects.update_or_create(tenant=tenant, defaults={"last_number": number})
    return counts


def write_bank_lines(tenant: Tenant, made: list[Made], *, seed: int, today: date, share: float = 0.2) -> int:
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
            {
                "id": uuid.uuid5(item.id, "bank"),
                "tenant_id": tenant.pk,
                "feed_account_id": BANK_FEED,
                "external_id": f"txn-{i:07d}",
                "date": min(day, today),
                "description": f"{'FPS CREDIT' if sales else 'DD'} {party.upper()} REF {item.number}",
                "amount": gross if sales else -gross,
                "counterparty": party,
                "status": BankTransaction.Status.MATCHED,
                "journal_entry_id": _entry_id(item),
                "imported_at": item.uploaded_at,
            }
        )
        if i % 2 == 0:  # an unposted line nobody has handled yet (card spend, transfers)
            rows.append(
                {
                    "id": uuid.uuid5(item.id, "bank-unposted"),
                    "tenant_id": tenant.pk,
                    "feed_account_id": BANK_FEED,
                    "external_id": f"txn-{i:07d}-u",
                    "date": min(day, today),
                    "description": f"CARD PAYMENT {rng.choice(('TFL TRAVEL', 'PRET A MANGER', 'AMAZON MKTPLACE'))}",
                    "amount": -(Decimal(rng.randrange(300, 9000)) / 100),
                    "counterparty": "",
                    "imported_at": item.uploaded_at,
                }
            )
    with tenant_context(tenant):
        seal = envelope.sealer(tenant.pk)
    for batch in chunks(rows, BATCH):
        with tenant_context(tenant):
            copy_rows(BankTransaction, batch, seal=seal)
    return len(rows)
