"""Fixture data for the gallery: fictitious, fixed (dates, ids, figures), never saved.

Each state function returns the context its component's view would pass to
the template. They build unsaved model instances so that template methods
(``get_state_display``, ``vat_number_display``…) behave as in the portal.
Keep them in step with the views (documents.views._review_page for the
review panel): the visual suite compares what these render.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from apps.documents.forms import RejectForm, ReviewForm
from apps.documents.models import Document
from apps.documents.views import _review_initial
from apps.ledger.chart import DEFAULT_CHART
from apps.ledger.domain import VatTreatment
from apps.ledger.models import Account
from apps.ledger.services.rules import confidence_threshold
from apps.staff_console.gallery.registry import Component, register
from apps.tenancy.models import Tenant

GALLERY_TENANT_ID = uuid.UUID("00000000-0000-4000-8000-00000000a11e")
REVIEW_DOC_ID = uuid.UUID("00000000-0000-4000-8000-0000000d0c01")
EARLIER_DOC_ID = uuid.UUID("00000000-0000-4000-8000-0000000d0c02")
UPLOADED_AT = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)


def gallery_tenant():

    return Tenant(
        id=GALLERY_TENANT_ID,
        name="Hollybush Bakery Ltd",
        slug="gallery-hollybush",
        vat_number="980780684",
        company_number="09876543",
        status=Tenant.Status.ACTIVE,
    )


def _field(value: Any, confidence: float) -> dict[str, Any]:
    return {"value": value, "confidence": confidence}


def _extraction(sure: dict[str, float] | None = None, **values) -> dict:
    """An extraction in the stored JSON shape; ``sure`` overrides field confidences (default: confident)."""
    c = {
        "supplier_name": 0.97,
        "supplier_vat_number": 0.99,
        "issue_date": 0.96,
        "net": 0.98,
        "vat": 0.98,
        "gross": 0.98,
        **(sure or {}),
    }
    v = {
        "kind": "purchase_invoice",
        "supplier_name": "Quillfeather Stationers Ltd",
        "supplier_vat_number": "980780684",
        "document_number": "QF-2026-0314",
        "issue_date": "2026-03-14",
        "net": "40.00",
        "vat": "8.00",
        "gross": "48.00",
        **values,
    }
    return {
        "kind": _field(v["kind"], 0.99),
        "supplier_name": _field(v["supplier_name"], c["supplier_name"]),
        "supplier_vat_number": _field(v["supplier_vat_number"], c["supplier_vat_number"]),
        "document_number": _field(v["document_number"], 0.95),
        "issue_date": _field(v["issue_date"], c["issue_date"]),
        "net": _field(v["net"], c["net"]),
        "vat": _field(v["vat"], c["vat"]),
        "gross": _field(v["gross"], c["gross"]),
        "currency": _field("GBP", 0.99),
        "customer_name": _field("Hollybush Bakery Ltd", 0.9),
        "vat_breakdown": [{"rate": "20.00", "net": v["net"], "vat": v["vat"]}],
        "lines": [
            {
                "description": "Till rolls, box of 20",
                "net": v["net"],
                "vat_rate": "20.00",
                "quantity": "1",
                "unit_price": v["net"],
            }
        ],
        "warnings": [],
    }


def _document(doc_id=REVIEW_DOC_ID, *, filename="quillfeather-invoice-march.pdf", state="needs_review", **fields):

    return Document(
        id=doc_id,
        tenant_id=GALLERY_TENANT_ID,
        original_filename=filename,
        content_type="application/pdf",
        size=48_213,
        pages=1,
        sha256="0" * 64,
        state=state,
        uploaded_at=UPLOADED_AT,
        state_changed_at=UPLOADED_AT,
        **fields,
    )


def _accounts():

    return [Account(code=s.code, name=s.name, type=s.type, is_active=True) for s in DEFAULT_CHART]


def _review_context(document, *, data: dict | None = None, duplicates=(), can_act: bool = True) -> dict[str, Any]:
    """What documents.views._review_page passes, for a document and optionally a submitted (invalid) form."""

    form = ReviewForm(data, initial=_review_initial(document), accounts=_accounts(), treatments=VatTreatment.choices)
    if data is not None:
        form.is_valid()
    extraction = document.extraction or {}
    threshold = confidence_threshold()
    confidences = {name: (extraction.get(name) or {}).get("confidence") for name in _review_initial(document)}
    low = {name for name, c in confidences.items() if c is not None and c < threshold}
    first = next((n for n in form.fields if n in form.errors), None) or next((n for n in form.fields if n in low), None)
    form.fields[first or "supplier_name"].widget.attrs["autofocus"] = True
    return {
        "current_tenant": gallery_tenant(),
        "document": document,
        "form": form,
        "reject_form": RejectForm(),
        "confidences": confidences,
        "low": low,
        "warnings": [*(extraction.get("warnings") or []), *(document.review_reasons or [])],
        "possible_duplicates": list(duplicates),
        "queue_length": 3,
        "pages": range(1, document.pages + 1),
        "can_act": can_act,
    }


def _classification(account="461", treatment="standard", confidence=0.85, why=None) -> dict[str, Any]:
    return {
        "account_code": account,
        "vat_treatment": treatment,
        "confidence": confidence,
        "explanation": why or "Keyword “till rolls” matched the default rule Printing and stationery.",
    }


def review_high_confidence() -> dict[str, Any]:
    document = _document(
        extraction=_extraction(),
        classification=_classification(confidence=0.95),
        review_reasons=["New supplier: confirm the account once and Strongroom will remember it."],
    )
    return _review_context(document)


def review_low_confidence() -> dict[str, Any]:
    document = _document(
        filename="sunrise-packaging-credit-scan.png",
        extraction=_extraction(
            {"supplier_name": 0.41, "gross": 0.55, "issue_date": 0.62},
            supplier_name="Sunr1se Packag1ng",
            document_number="CN-0042",
            net="38.50",
            vat="7.70",
            gross="46.20",
        ),
        classification=_classification(
            "310", confidence=0.41, why="No rule matched the supplier; proposed from the document kind."
        ),
        review_reasons=["The supplier, the total and the date were read with low confidence."],
    )
    return _review_context(document)


def review_arithmetic_mismatch() -> dict[str, Any]:
    extraction = _extraction(gross="50.00")
    extraction["warnings"] = ["The figures do not add up: net £40.00 plus VAT £8.00 is £48.00, not the total £50.00."]
    document = _document(extraction=extraction, classification=_classification())
    submitted = {
        "kind": "purchase_invoice",
        "supplier_name": "Quillfeather Stationers Ltd",
        "supplier_vat_number": "980780684",
        "document_number": "QF-2026-0314",
        "issue_date": "2026-03-14",
        "net": "40.00",
        "vat": "8.00",
        "gross": "50.00",
        "account_code": "461",
        "vat_treatment": "standard",
        "learn": "on",
    }
    return _review_context(document, data=submitted)


def review_duplicate() -> dict[str, Any]:
    earlier = _document(
        EARLIER_DOC_ID,
        filename="quillfeather-invoice.pdf",
        state="posted",
        extraction=_extraction(),
        classification=_classification(),
    )
    document = _document(
        filename="quillfeather-invoice-copy.pdf",
        extraction=_extraction(),
        classification=_classification(),
        review_reasons=["Possibly a duplicate."],
    )
    return _review_context(document, duplicates=[earlier])


def review_read_only() -> dict[str, Any]:
    document = _document(extraction=_extraction(), classification=_classification())
    return _review_context(document, can_act=False)


register(
    Component(
        slug="document-review-panel",
        title="DocumentReviewPanel",
        template="documents/review.html",
        description="The review panel: what was read, how sure the reader was, the proposal, approve or reject.",
        states={
            "high-confidence": review_high_confidence,
            "low-confidence": review_low_confidence,
            "arithmetic-mismatch": review_arithmetic_mismatch,
            "duplicate": review_duplicate,
            "read-only": review_read_only,
        },
    )
)
