"""What the four layouts share: a deterministic canvas, money as each document prints it, labels and codes."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from .fmt import fmt_money
from .model import DocSpec

BANK_LINE = "Bank: Northwind Bank plc, sort code 40-11-22, account 31926819."
CODES = {"20": "A", "5": "B", "0": "Z", "-1": "E"}  # till VAT codes by rate


def new_canvas(buf: io.BytesIO, spec: DocSpec, pagesize=A4, **kwargs) -> Canvas:
    """``invariant=1`` fixes reportlab's dates and IDs, so a re-run writes identical bytes."""
    c = Canvas(buf, pagesize=pagesize, invariant=1, pageCompression=1, **kwargs)
    c.setTitle(f"{spec.title.title()} {spec.doc_number or ''}".strip())
    c.setAuthor(spec.issuer.name)
    c.setCreator("Strongroom golden generator")
    c.setProducer("Strongroom golden generator")
    return c


def money_text(spec: DocSpec, value, *, negative: bool | None = None) -> str:
    neg = spec.kind == "credit_note" if negative is None else negative
    return fmt_money(value, spec.money_style, negative=neg, negative_style=spec.negative_style)


def number_label(spec: DocSpec) -> str:
    if spec.kind == "credit_note":
        return "Credit Note No:"
    if spec.title.upper() == "BILL":
        return "Bill No:"
    return "Invoice No:"
