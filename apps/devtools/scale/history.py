"""One business's history, made in memory from a seed: documents as the pipeline leaves them.

Why build the product's own objects: an ``Extraction`` (``to_json`` is what the pipeline stores), a
``Classification`` (``classification_json``) and ``plan_document_entry`` (the posting conventions) make
each row's content exactly what uploading and reading that invoice would have stored, so the pages do the
work they would do on real data. Only the OCR is skipped: its output is made here instead.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from apps.documents.models import DocumentState
from apps.documents.services.pipeline import classification_json
from apps.ledger.chart import SALES
from apps.ledger.domain import VatTreatment
from apps.ledger.extraction import DocumentKind, Extracted, Extraction, LineItem, PageText, VatBreakdown
from apps.ledger.rules_engine import Classification
from apps.ledger.services.document_plan import DocumentPlan, plan_document_entry

EXPENSE_ACCOUNTS = ("400", "404", "408", "412", "425", "429", "433", "445", "461", "463", "469", "473", "489", "493")
SUPPLIER_WORDS = ("Quill", "Harbour", "Bramble", "Copper", "Fenwick", "Oakridge", "Kestrel", "Marlow", "Pennant")
SUPPLIER_TRADES = ("Stationers", "Utilities", "Couriers", "Software", "Cleaning", "Print", "Motors", "Insurance")
CUSTOMER_WORDS = ("Ashdown", "Wren", "Calder", "Linden", "Thistle", "Morrow", "Hawthorn", "Ember")
ITEMS = ("Paper A4 box", "Toner cartridge", "Delivery", "Monthly licence", "Call-out fee", "Parts", "Service")
# Finished states and how often each appears (the rest of the weight is "posted").
OTHER_STATES = (
    (DocumentState.NEEDS_REVIEW, 0.04),
    (DocumentState.FAILED, 0.01),
    (DocumentState.REJECTED, 0.01),
    (DocumentState.ARCHIVED, 0.01),
)
OCR_TASK = "documents.process_document"
D = Decimal
CENT = D("0.01")


@dataclass
class Made:
    """One document and, when posted, the entry the product would have posted for it."""

    id: uuid.UUID
    number: str
    state: str
    extraction: Extraction
    classification: Classification
    plan: DocumentPlan | None
    uploaded_at: datetime
    processed_seconds: float
    sha256: str
    pages: int
    size: int
    set_aside_reason: str = ""
    failure_reason: str = ""


def _supplier(rng: random.Random) -> tuple[str, str]:
    name = f"{rng.choice(SUPPLIER_WORDS)} {rng.choice(SUPPLIER_TRADES)} Ltd"
    return name, f"{rng.randrange(100_000_000, 999_999_999)}"


def suppliers(rng: random.Random, n: int = 60) -> list[tuple[str, str]]:
    """A business's regular suppliers (a name and a VAT number each): most invoices come from a few of them."""
    return [_supplier(rng) for _ in range(n)]


def _text(extraction: Extraction, kind: str) -> str:
    e = extraction
    rows = "\n".join(f"{li.description}  {li.net:.2f}" for li in e.lines)
    party = e.customer_name.value if kind == DocumentKind.SALES_INVOICE else e.supplier_name.value
    return (
        f"{e.supplier_name.value}\nVAT reg no GB{e.supplier_vat_number.value or ''}\n"
        f"{'INVOICE' if kind != DocumentKind.RECEIPT else 'RECEIPT'} {e.document_number.value or ''}\n"
        f"Date {e.issue_date.value:%d/%m/%Y}\nTo {party}\n{rows}\n"
        f"Net {e.net.value:.2f}\nVAT 20% {e.vat.value:.2f}\nTotal {e.gross.value:.2f}\nThank you for your business\n"
    )


def _extraction(rng: random.Random, kind: str, supplier: tuple[str, str], own: str, number: str, day: date):
    lines = [
        LineItem(description=rng.choice(ITEMS), net=(D(rng.randrange(500, 40_000)) / 100).quantize(CENT))
        for _ in range(rng.randrange(1, 6))
    ]
    net = sum((li.net for li in lines), D("0.00"))
    vat = (net * D("0.2")).quantize(CENT)
    sales = kind == DocumentKind.SALES_INVOICE
    confidence = round(rng.uniform(0.88, 0.99), 3)

    def ex(value):
        return Extracted(value, confidence)

    customer = f"{rng.choice(CUSTOMER_WORDS)} {rng.choice(('Bakery', 'Studio', 'Garage', 'Cafe'))} Ltd"
    extraction = Extraction(
        kind=ex(DocumentKind(kind)),
        supplier_name=ex(own if sales else supplier[0]),
        supplier_vat_number=ex(None if sales else supplier[1]),
        customer_name=ex(customer if sales else own),
        document_number=ex(number),
        issue_date=ex(day),
        currency=ex("GBP"),
        net=ex(net),
        vat=ex(vat),
        gross=ex(net + vat),
        vat_breakdown=[VatBreakdown(D("20"), net, vat)],
        lines=[LineItem(description=li.description, net=li.net, vat_rate=D("20")) for li in lines],
        arithmetic_ok=True,
    )
    text = _text(extraction, kind)
    extraction.pages = [PageText(number=1, text=text, method="text_layer", confidence=1.0, seconds=0.05)]
    return extraction


def _classification(rng: random.Random, kind: str, needs_review: bool) -> Classification:
    account = SALES if kind == DocumentKind.SALES_INVOICE else rng.choice(EXPENSE_ACCOUNTS)
    return Classification(
        account_code=account,
        vat_treatment=VatTreatment.STANDARD,
        confidence=0.55 if needs_review else round(rng.uniform(0.86, 0.99), 3),
        explanation=f"Matched the supplier's usual account {account} from earlier postings",
        rule_id=None,
        rule_name="",
        needs_review=needs_review,
        reasons=["The supplier is new to this business"] if needs_review else [],
    )


def _state(rng: random.Random) -> str:
    roll = rng.random()
    for state, weight in OTHER_STATES:
        if roll < weight:
            return state
        roll -= weight
    return DocumentState.POSTED


def history(
    *, seed: int, key: str, own_name: str, documents: int, first_day: date, last_day: date, namespace: uuid.UUID
) -> list[Made]:
    """``documents`` documents of one business dated ``first_day``..``last_day``, in upload order.

    Ids are derived from ``namespace`` (the business's id), so they never collide with another business's.
    """
    rng = random.Random(f"{seed}:{key}")  # noqa: S311 - reproducible data, not secrets
    regular = suppliers(rng)
    span = (last_day - first_day).days
    days = sorted(first_day + timedelta(days=rng.randrange(span + 1)) for _ in range(documents))
    # Uploads end before the day ``last_day`` starts (not "now"): the same arguments make the same times.
    tz = UTC
    cutoff = datetime.combine(last_day, datetime.min.time(), tzinfo=tz) - timedelta(minutes=5)
    made: list[Made] = []
    for i, day in enumerate(days):
        kind = rng.choices(
            (DocumentKind.PURCHASE_INVOICE, DocumentKind.RECEIPT, DocumentKind.SALES_INVOICE), weights=(6, 2, 2)
        )[0]
        number = f"{'S' if kind == DocumentKind.SALES_INVOICE else 'INV'}-{i + 1:06d}"
        supplier = regular[min(int(rng.expovariate(0.15)), len(regular) - 1)]
        state = _state(rng)
        extraction = _extraction(rng, kind, supplier, own_name, number, day)
        classification = _classification(rng, kind, state == DocumentState.NEEDS_REVIEW)
        plan = plan_document_entry(extraction, classification) if state == DocumentState.POSTED else None
        uploaded = datetime.combine(day, datetime.min.time(), tzinfo=tz) + timedelta(
            hours=rng.randrange(7, 19), minutes=rng.randrange(60), days=rng.randrange(3)
        )
        item = Made(
            id=uuid.uuid5(namespace, f"document-{i}"),
            number=number,
            state=state,
            extraction=extraction,
            classification=classification,
            plan=plan,
            uploaded_at=min(uploaded, cutoff),
            processed_seconds=round(rng.lognormvariate(1.0, 0.6), 3),
            sha256=hashlib.sha256(f"{seed}:{key}:{i}".encode()).hexdigest(),
            pages=1 + (len(extraction.lines) > 3),
            size=rng.randrange(30_000, 400_000),
        )
        if state in (DocumentState.REJECTED, DocumentState.ARCHIVED):
            item.set_aside_reason = "Personal purchase, not a business expense"
        if state == DocumentState.FAILED:
            item.failure_reason = "The document could not be read: no text was found on any page."
        made.append(item)
    made.sort(key=lambda m: m.uploaded_at)
    return made


def classification_of(item: Made) -> dict:
    return classification_json(item.classification)
