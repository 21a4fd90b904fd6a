"""The reviewer's decisions: approve (with corrections, optionally teaching a rule) or reject.

Approving posts the document with the reviewer's figures and choice of
account, so a person stands behind every entry the rules engine was unsure
of. VAT under a VAT number that is not valid, or is the business's own, is
not reclaimed (it becomes part of the cost) unless the reviewer gives the
supplier's valid number or explicitly asks to reclaim it. A correction of
the account or VAT treatment can become a tenant rule, so the next document
from that supplier needs no review.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.audit.services import record_event
from apps.documents.actions import require_action
from apps.documents.errors import DocumentError
from apps.documents.models import Document, DocumentState
from apps.documents.services.pipeline import classification_json
from apps.documents.services.suppliers import remember_supplier
from apps.documents.states import move_document
from apps.ledger.extraction import DocumentKind, Extracted, Extraction, VatBreakdown
from apps.ledger.rules_engine import Classification, vat_number_reason
from apps.ledger.services.periods import frozen_period_on
from apps.ledger.services.posting import post_document
from apps.ledger.services.rules import learn_from_correction, tenant_vat_numbers

PENNY = Decimal("0.01")


@dataclass(frozen=True)
class Correction:
    """What the reviewer confirmed; every field is the reviewer's, whether changed or not."""

    kind: str
    supplier_name: str
    supplier_vat_number: str
    document_number: str
    issue_date: date
    net: Decimal
    vat: Decimal
    gross: Decimal
    account_code: str
    vat_treatment: str
    # Reclaim the VAT even though the document's VAT number is not valid or is the business's own:
    # only when the person says so (they hold a valid VAT invoice or other evidence).
    reclaim_vat: bool = False
    # When the business got the invoice; None keeps what is recorded (else the upload date).
    received_on: date | None = None


def claim_date(kind: str, issue_date: date, received_on: date | None) -> date | None:
    """The date to post a purchase on when it is not its own date, or None.

    Purchase VAT is reclaimed in the period in which the business holds the
    invoice. One dated in a period whose return is already frozen but received
    after that period is therefore an ordinary claim of the period it was
    received in (not the correction of an error): it is posted on its
    received date. Sales and credit notes keep their own dates.
    """
    if kind not in (DocumentKind.PURCHASE_INVOICE, DocumentKind.RECEIPT) or received_on is None:
        return None
    frozen = frozen_period_on(issue_date)
    return received_on if frozen is not None and received_on > frozen.end else None


def vat_not_reclaimed_reason(document: Document, c: Correction, own_vat_numbers) -> str:
    """Why the VAT of this approval is not reclaimed (in words), or "" when it is.

    The reviewer's VAT number decides: a valid one of the supplier's allows reclaiming; one
    that fails the check digits, the business's own, or none where the document printed an
    invalid one does not, unless the reviewer explicitly asks to reclaim.
    """
    if c.reclaim_vat:
        return ""
    base = Extraction.from_json(document.extraction or {})
    probe = dataclasses.replace(
        base,
        kind=Extracted(DocumentKind(c.kind), 1.0),
        supplier_vat_number=Extracted(_compact_vat(c.supplier_vat_number) or None, 1.0),
        vat=Extracted(c.vat, 1.0),
    )
    return vat_number_reason(probe, own_vat_numbers)


def _compact_vat(value: str) -> str:
    return value.replace(" ", "").upper().removeprefix("GB")


def without_vat_reclaim(extraction: Extraction) -> Extraction:
    """The entry's figures when VAT is not reclaimed: the VAT is part of the cost, nothing on 820."""
    vat = extraction.vat.value or Decimal(0)
    rows = [r for r in extraction.vat_breakdown if r.net or r.vat]
    breakdown = [VatBreakdown(r.rate, r.net + r.vat, Decimal("0.00")) for r in rows]
    if not breakdown or sum((r.net for r in breakdown), Decimal(0)) != extraction.gross.value:
        rate = (vat / extraction.net.value * 100).quantize(Decimal("1")) if extraction.net.value else Decimal(0)
        breakdown = [VatBreakdown(rate, extraction.gross.value, Decimal("0.00"))]
    return dataclasses.replace(
        extraction, net=Extracted(extraction.gross.value, 1.0), vat=Extracted(Decimal("0.00"), 1.0),
        vat_breakdown=breakdown,
    )  # fmt: skip


def corrected_extraction(document: Document, c: Correction) -> Extraction:
    """The stored extraction with the reviewer's values (confidence 1: a person checked them)."""
    base = Extraction.from_json(document.extraction or {})
    sure = lambda value: Extracted(value or None, 1.0)  # noqa: E731
    breakdown = base.vat_breakdown
    if sum((b.net for b in breakdown), Decimal(0)) != c.net or sum((b.vat for b in breakdown), Decimal(0)) != c.vat:
        # The reviewer changed the totals: one rate line from their figures.
        rate = (c.vat / c.net * 100).quantize(Decimal("1")) if c.net else Decimal(0)
        breakdown = [VatBreakdown(rate, c.net, c.vat)]
    return dataclasses.replace(
        base,
        kind=Extracted(DocumentKind(c.kind), 1.0),
        supplier_name=sure(c.supplier_name.strip()),
        supplier_vat_number=sure(_compact_vat(c.supplier_vat_number)),
        document_number=sure(c.document_number.strip()),
        issue_date=Extracted(c.issue_date, 1.0),
        net=Extracted(c.net, 1.0),
        vat=Extracted(c.vat, 1.0),
        gross=Extracted(c.gross, 1.0),
        vat_breakdown=breakdown,
        arithmetic_ok=True,
        pages=[],
    )


def approve_document(*, document: Document, correction: Correction, learn: bool, actor) -> Document:
    """Post the document as the reviewer says; learn a rule when asked and the proposal was changed."""
    if (correction.net + correction.vat).quantize(PENNY) != correction.gross.quantize(PENNY):
        raise DocumentError(
            f"Net £{correction.net} plus VAT £{correction.vat} is £{correction.net + correction.vat}, "
            f"not the total £{correction.gross}."
        )
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document.pk)
        require_action(document, "approve")
        proposal = document.classification or {}
        extraction = corrected_extraction(document, correction)
        changed = {
            key: {"from": proposal.get(key), "to": getattr(correction, key)}
            for key in ("account_code", "vat_treatment")
            if proposal.get(key) != getattr(correction, key)
        }
        not_reclaimed = vat_not_reclaimed_reason(document, correction, tenant_vat_numbers(document.tenant_id))
        to_post = without_vat_reclaim(extraction) if not_reclaimed else extraction
        vat_words = (
            f"; VAT of £{correction.vat} not reclaimed (part of the cost): {not_reclaimed}" if not_reclaimed else ""
        )
        received_on = correction.received_on or document.received_date
        posted_on = claim_date(correction.kind, correction.issue_date, received_on)
        received_words = (
            f"; dated in a period already filed, received on {posted_on:%d %b %Y}: VAT claimed when received"
            if posted_on
            else ""
        )
        classification = Classification(
            account_code=correction.account_code,
            vat_treatment=correction.vat_treatment,
            confidence=1.0,
            explanation=f"Approved by {actor.email}"
            + vat_words
            + received_words
            + (f"; proposed: {proposal.get('explanation')}" if proposal.get("explanation") else ""),
            rule_id=None,
            rule_name="",
            needs_review=False,
            reasons=[],
        )
        entry = post_document(document_id=document.pk, extraction=to_post, classification=classification,
                              actor=actor, entry_date=posted_on)  # fmt: skip
        own = tenant_vat_numbers(document.tenant_id)
        remember_supplier(document.tenant_id, extraction, own_vat_numbers=own, by_person=True)
        before = Extraction.from_json(document.extraction or {}).to_json(with_confidence=False)
        after = extraction.to_json(with_confidence=False)
        move_document(document, "approve", changes={
            "extraction": extraction.to_json(), "classification": classification_json(classification),
            "journal_entry_id": entry.pk, "reviewed_by": actor, "reviewed_at": timezone.now(),
            "received_on": received_on,
        })  # fmt: skip
        record_event(
            "documents.document.approved", actor=actor, tenant_id=document.tenant_id, target=document,
            before={k: before[k] for k in before if before[k] != after[k]} | {"proposal": proposal.get("account_code")},
            after={k: after[k] for k in after if before[k] != after[k]} | {"account_code": correction.account_code},
            extra={"entry": str(entry.pk), "changed": changed, "vat_reclaimed": not not_reclaimed,
                   "received_on": received_on.isoformat() if received_on else None,
                   "posted_on": entry.date.isoformat()},
        )  # fmt: skip
        if learn and changed and extraction.kind.value != DocumentKind.SALES_INVOICE:
            learn_from_correction(extraction=extraction, account_code=correction.account_code,
                                  vat_treatment=correction.vat_treatment, actor=actor)  # fmt: skip
    return document


def reject_document(*, document: Document, reason: str, actor) -> Document:
    """Not a bookkeeping document of this business: set aside as rejected, never posted, never a blocker.

    Its own state (not "failed") so the VAT return stops waiting for it; the
    reason is kept and the document can be restored to the review queue.
    """
    reason = reason.strip()
    if len(reason) < 3:
        raise DocumentError("Say briefly why the document is rejected.")
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document.pk)
        require_action(document, "reject")
        move_document(document, "reject", changes={"set_aside_reason": reason[:300], "reviewed_by": actor,
                                                   "reviewed_at": timezone.now()})  # fmt: skip
        record_event("documents.document.rejected", actor=actor, tenant_id=document.tenant_id, target=document,
                     extra={"reason_chars": len(reason)})  # fmt: skip
    return document


def next_for_review(after: Document | None = None) -> Document | None:
    """The oldest document awaiting review, other than ``after``: where approving takes the reviewer next."""
    queue = Document.objects.filter(state=DocumentState.NEEDS_REVIEW).order_by("uploaded_at")
    if after is not None:
        queue = queue.exclude(pk=after.pk)
    return queue.first()
