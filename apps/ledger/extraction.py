"""The typed result of reading one document: what OCR and extraction hand to classification.

It lives in the ledger, below documents: it is the input the ledger's rules engine
classifies and posts, so documents produces it and imports it from here (decision 0009).

It is plain data (no Django models), so ``manage.py extract``, the Celery
task and the golden-dataset runner share one code path, and it serialises
to the JSON the golden dataset stores (``to_json``; ``from_json`` reads it).

Money is ``Decimal`` with two places. Each field carries a confidence in
[0, 1]; the pipeline sends a document to review when an important field's
confidence is below the tenant's threshold or the arithmetic check fails.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class DocumentKind(StrEnum):
    PURCHASE_INVOICE = "purchase_invoice"  # a bill from a supplier
    RECEIPT = "receipt"  # a till receipt (a purchase, often without invoice number)
    SALES_INVOICE = "sales_invoice"  # an invoice the business issued
    CREDIT_NOTE = "credit_note"  # a supplier's credit note (a negative purchase)
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Extracted(Generic[T]):
    value: T | None = None
    confidence: float = 0.0

    @property
    def present(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class VatBreakdown:
    """One VAT rate's totals, as printed in the document's VAT summary (or derived from lines)."""

    rate: Decimal  # percent: 20, 5, 0; None-rate (exempt / outside scope) uses EXEMPT_RATE
    net: Decimal
    vat: Decimal


EXEMPT_RATE = Decimal("-1")  # marker rate for exempt or outside-scope amounts in a breakdown


@dataclass(frozen=True)
class LineItem:
    description: str
    net: Decimal
    vat_rate: Decimal | None = None  # percent, None when the document does not say
    quantity: Decimal | None = None
    unit_price: Decimal | None = None


@dataclass(frozen=True)
class PageText:
    number: int  # 1-based
    text: str
    method: str  # "text_layer" or "ocr"
    confidence: float  # mean word confidence in [0, 1]; 1.0 for a text layer
    seconds: float  # time spent reading this page


@dataclass
class Extraction:
    kind: Extracted[DocumentKind] = field(default_factory=Extracted)
    supplier_name: Extracted[str] = field(default_factory=Extracted)  # the issuer (for a sales invoice: us)
    supplier_vat_number: Extracted[str] = field(default_factory=Extracted)  # compact, e.g. "980780684"
    customer_name: Extracted[str] = field(default_factory=Extracted)  # sales invoices: who we billed
    document_number: Extracted[str] = field(default_factory=Extracted)
    issue_date: Extracted[date] = field(default_factory=Extracted)
    currency: Extracted[str] = field(default_factory=Extracted)  # ISO 4217, "GBP" by default
    net: Extracted[Decimal] = field(default_factory=Extracted)
    vat: Extracted[Decimal] = field(default_factory=Extracted)
    gross: Extracted[Decimal] = field(default_factory=Extracted)
    vat_breakdown: list[VatBreakdown] = field(default_factory=list)
    lines: list[LineItem] = field(default_factory=list)
    arithmetic_ok: bool = False  # lines add to net, net + VAT = gross within 1p, VAT matches rates
    warnings: list[str] = field(default_factory=list)  # plain words, shown to reviewers
    # VAT numbers printed whose check digits fail (compact): VAT on such a document is not reclaimed automatically.
    invalid_vat_numbers: list[str] = field(default_factory=list)
    # Conflicting evidence a person must settle before posting (e.g. who issued the document), in words.
    doubts: list[str] = field(default_factory=list)
    pages: list[PageText] = field(default_factory=list)
    # The parser's confidences before calibration (documents/extraction/calibration.py), by field name; not stored.
    raw_confidences: dict[str, float] = field(default_factory=dict)

    SCALAR_FIELDS = (
        "kind", "supplier_name", "supplier_vat_number", "customer_name", "document_number",
        "issue_date", "currency", "net", "vat", "gross",
    )  # fmt: skip

    @property
    def text(self) -> str:
        return "\n\f\n".join(p.text for p in self.pages)

    def to_json(self, *, with_confidence: bool = True, with_pages: bool = False) -> dict[str, Any]:
        """JSON-safe dict: decimals and dates as strings. The golden dataset stores this (values only)."""

        def scalar(value: Any) -> Any:
            if isinstance(value, Decimal):
                return f"{value:.2f}"
            if isinstance(value, date):
                return value.isoformat()
            if isinstance(value, StrEnum):
                return value.value
            return value

        data: dict[str, Any] = {}
        for name in self.SCALAR_FIELDS:
            item: Extracted = getattr(self, name)
            data[name] = (
                {"value": scalar(item.value), "confidence": round(item.confidence, 3)}
                if with_confidence
                else scalar(item.value)
            )
        data["vat_breakdown"] = [
            {"rate": f"{b.rate:.2f}", "net": f"{b.net:.2f}", "vat": f"{b.vat:.2f}"} for b in self.vat_breakdown
        ]
        data["lines"] = [
            {
                "description": li.description,
                "net": f"{li.net:.2f}",
                "vat_rate": None if li.vat_rate is None else f"{li.vat_rate:.2f}",
                "quantity": None if li.quantity is None else str(li.quantity),
                "unit_price": None if li.unit_price is None else f"{li.unit_price:.2f}",
            }
            for li in self.lines
        ]
        data["arithmetic_ok"] = self.arithmetic_ok
        data["warnings"] = list(self.warnings)
        data["invalid_vat_numbers"] = list(self.invalid_vat_numbers)
        data["doubts"] = list(self.doubts)
        if with_pages:
            data["pages"] = [
                {"number": p.number, "method": p.method, "confidence": round(p.confidence, 3),
                 "seconds": round(p.seconds, 3), "text": p.text}
                for p in self.pages
            ]  # fmt: skip
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Extraction:
        """Inverse of ``to_json`` (with or without confidences; pages are not restored)."""

        def parse(name: str, raw: Any) -> Any:
            if raw is None:
                return None
            if name in {"net", "vat", "gross"}:
                return Decimal(raw)
            if name == "issue_date":
                return date.fromisoformat(raw)
            if name == "kind":
                return DocumentKind(raw)
            return raw

        result = cls()
        for name in cls.SCALAR_FIELDS:
            raw = data.get(name)
            if isinstance(raw, dict):
                setattr(result, name, Extracted(parse(name, raw.get("value")), float(raw.get("confidence", 0))))
            else:
                setattr(result, name, Extracted(parse(name, raw), 1.0 if raw is not None else 0.0))
        result.vat_breakdown = [
            VatBreakdown(Decimal(b["rate"]), Decimal(b["net"]), Decimal(b["vat"]))
            for b in data.get("vat_breakdown", [])
        ]
        result.lines = [
            LineItem(
                description=li["description"],
                net=Decimal(li["net"]),
                vat_rate=None if li.get("vat_rate") is None else Decimal(li["vat_rate"]),
                quantity=None if li.get("quantity") is None else Decimal(li["quantity"]),
                unit_price=None if li.get("unit_price") is None else Decimal(li["unit_price"]),
            )
            for li in data.get("lines", [])
        ]
        result.arithmetic_ok = bool(data.get("arithmetic_ok", False))
        result.warnings = list(data.get("warnings", []))
        result.invalid_vat_numbers = [str(n) for n in data.get("invalid_vat_numbers", [])]
        result.doubts = [str(d) for d in data.get("doubts", [])]
        return result
