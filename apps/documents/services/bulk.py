"""One action on many selected documents: re-read, approve where the review gate is now sure, or archive.

Why each document in its own savepoint through the single-document service: a
bulk action must be exactly the sum of single actions (the same state checks,
the same audit events), and one document that may not be acted on is skipped
with its reason instead of undoing the others. Approve posts only what the
review gate, run again now with today's rules and thresholds, finds confident
(a rule taught since the document was read is the usual reason): anything
else stays in review, skipped with the gate's reasons. The person's right to
act is checked once for the batch with the policy (decision 0012).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction

from apps.audit.services import record_event
from apps.core.errors import ApplicationError
from apps.documents.actions import action as document_action
from apps.documents.errors import BulkActionError, DocumentError
from apps.documents.models import Document
from apps.documents.services.actions import retry_document
from apps.documents.services.resolution import archive_document
from apps.documents.services.review import Correction, approve_document
from apps.ledger.extraction import Extraction
from apps.ledger.services.rules import classify_for_tenant
from apps.permissions import require

BULK_LIMIT = 200  # a page of the list at its largest
BULK_ACTIONS = {"retry": "Read again", "approve": "Approve", "archive": "Archive"}


@dataclass
class BulkOutcome:
    action: str
    done: list[str] = field(default_factory=list)  # file names
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file name or id, reason)

    def summary(self) -> str:
        verb = {"retry": "queued to be read again", "approve": "approved and posted", "archive": "archived"}
        words = f"{len(self.done)} document{'s' * (len(self.done) != 1)} {verb[self.action]}"
        if self.skipped:
            reasons = "; ".join(f"{name}: {reason}" for name, reason in self.skipped[:5])
            more = f" (and {len(self.skipped) - 5} more)" if len(self.skipped) > 5 else ""
            words += f"; {len(self.skipped)} skipped: {reasons}{more}"
        return words + "."


def confident_correction(document: Document) -> tuple[Correction | None, list[str]]:
    """The document's own reading as a reviewer's correction when the gate is sure of it now, else the reasons."""
    if not document.extraction:
        return None, ["nothing was read from it"]
    extraction = Extraction.from_json(document.extraction)
    classification = classify_for_tenant(extraction)
    if classification.needs_review:
        return None, list(classification.reasons) or ["the review gate is not sure of it"]
    return Correction(
        kind=extraction.kind.value.value if extraction.kind.value else "purchase_invoice",
        supplier_name=extraction.supplier_name.value or "",
        supplier_vat_number=extraction.supplier_vat_number.value or "",
        document_number=extraction.document_number.value or "",
        issue_date=extraction.issue_date.value,
        net=extraction.net.value,
        vat=extraction.vat.value,
        gross=extraction.gross.value,
        account_code=classification.account_code,
        vat_treatment=classification.vat_treatment,
    ), []


def _act(document: Document, name: str, *, actor, reason: str) -> None:
    if name == "retry":
        retry_document(document=document, actor=actor)
    elif name == "archive":
        archive_document(document=document, reason=reason, actor=actor)
    else:
        if not document_action(document, "approve"):
            raise DocumentError(document_action(document, "approve").reason)
        correction, reasons = confident_correction(document)
        if correction is None:
            raise DocumentError("left in review: " + "; ".join(reasons))
        approve_document(document=document, correction=correction, learn=False, actor=actor)


def bulk_act(*, tenant, ids: Sequence[uuid.UUID], action: str, actor, reason: str = "") -> BulkOutcome:
    """Apply ``action`` to each selected document of the current business; refusals are skipped with the reason."""
    if action not in BULK_ACTIONS:
        raise BulkActionError(f"Choose one of: {', '.join(BULK_ACTIONS.values())}.")
    ids = list(dict.fromkeys(ids))
    if not ids:
        raise BulkActionError("Select at least one document.")
    if len(ids) > BULK_LIMIT:
        raise BulkActionError(f"Select at most {BULK_LIMIT} documents at a time.")
    if action == "archive" and len(reason.strip()) < 3:
        raise BulkActionError("Say briefly why the documents are archived.")
    require(actor, "documents.review", tenant)
    columns = ("id", "tenant", "original_filename", "state", "journal_entry_id", "extraction")
    found = {d.pk: d for d in Document.objects.filter(pk__in=ids).only(*columns)}
    outcome = BulkOutcome(action)
    for pk in ids:
        document = found.get(pk)
        if document is None:  # another business's id, or none at all: RLS and the scope hide it
            outcome.skipped.append((str(pk)[:8], "no such document"))
            continue
        try:
            with transaction.atomic():
                _act(document, action, actor=actor, reason=reason)
        except ApplicationError as exc:
            outcome.skipped.append((document.original_filename, exc.message))
        else:
            outcome.done.append(document.original_filename)
    if outcome.done or outcome.skipped:
        record_event("documents.selection.acted_on", actor=actor, tenant_id=tenant.pk,
                     extra={"action": action, "done": len(outcome.done), "skipped": len(outcome.skipped)})  # fmt: skip
    return outcome
