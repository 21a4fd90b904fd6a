"""What a seeded dataset holds, as one digest: the check that the same arguments and seed make the same data.

Read back through the product (each business in its own context, sealed fields opened), without what is
random by design: ids of businesses, people and keys (and the row ids derived from them), ciphertexts
(fresh nonces), blind-index tokens (per-business keys) and the audit chain's hashes (they cover event ids).
Everything a page shows is in it: documents with their extraction, text and states, the journal, the bank
feed, VAT obligations and filed returns' boxes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from django.db.models import Count

from apps.documents.models import Document, DocumentSearchToken, TaskRun
from apps.filing.models import VatObligation, VatReturn
from apps.ledger.models import BankTransaction, JournalEntry, JournalLine
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Tenant


def _business(tenant: Tenant) -> list:
    with tenant_context(tenant):
        documents = [
            [d.original_filename, d.state, d.size, d.pages, d.sha256, d.uploaded_at, d.state_changed_at,
             d.extraction, d.text, d.classification, d.review_reasons, d.set_aside_reason, d.failure_reason]
            for d in Document.objects.order_by("uploaded_at", "sha256")
        ]  # fmt: skip
        tokens = sorted(
            DocumentSearchToken.objects.values("document__sha256").annotate(n=Count("id")).values_list(
                "document__sha256", "n")
        )  # fmt: skip
        runs = list(
            TaskRun.objects.order_by("queued_at", "document__sha256").values_list(
                "document__sha256", "task_name", "state", "step", "queued_at", "finished_at", "error")
        )  # fmt: skip
        entries = [
            [e.number, e.date, e.kind, e.description, e.explanation, e.posted_at]
            for e in JournalEntry.objects.order_by("number")
        ]
        lines = list(
            JournalLine.objects.order_by("entry__number", "position").values_list(
                "entry__number", "position", "account__code", "debit", "credit", "vat_rate", "vat_treatment")
        )  # fmt: skip
        bank = [
            [b.external_id, b.date, b.amount, b.description, b.counterparty, b.status, b.imported_at]
            for b in BankTransaction.objects.order_by("external_id")
        ]
        obligations = list(
            VatObligation.objects.order_by("start").values_list("period_key", "start", "end", "due", "status")
        )
        returns = [[r.period_key, r.status, r.boxes, r.lines.count()] for r in VatReturn.objects.order_by("period_key")]
    return [tenant.slug, tenant.name, tenant.vat_number, documents, tokens, runs, entries, lines, bank,
            obligations, returns]  # fmt: skip


def dataset_digest(slugs: Iterable[str]) -> str:
    """SHA-256 over what the named businesses hold (in the order given)."""
    content = [_business(Tenant.objects.get(slug=slug)) for slug in slugs]
    return hashlib.sha256(json.dumps(content, default=str, sort_keys=True).encode()).hexdigest()
