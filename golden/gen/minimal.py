"""The minimal invoice: a name, a number, a date, lines with leader dots, and three totals."""

from __future__ import annotations

import io

from reportlab.pdfgen.canvas import Canvas

from .common import CODES, money_text, new_canvas
from .fmt import fmt_date, fmt_money, fmt_qty, fmt_rate, fmt_vat
from .model import DocSpec


def draw(buf: io.BytesIO, spec: DocSpec, **kwargs) -> None:
    c = new_canvas(buf, spec, **kwargs)
    issuer = spec.issuer
    x, y = 60, 780
    c.setFont("Helvetica-Bold", 14)
    c.drawString(x, y, issuer.name)
    c.setFont("Helvetica", 9)
    c.drawString(x, y - 14, ", ".join(issuer.address))
    y -= 50
    c.setFont("Helvetica-Bold", 12)
    heading = {"credit_note": "Credit note", "purchase_invoice": "Invoice", "sales_invoice": "Invoice"}[spec.kind]
    if spec.title not in ("INVOICE", "CREDIT NOTE"):
        heading = spec.title
    c.drawString(x, y, heading)
    c.setFont("Helvetica", 10)
    y -= 18
    label = "Bill number" if spec.title != "INVOICE" and spec.kind != "credit_note" else f"{heading} number"
    header = [f"{label}: {spec.doc_number}", f"Date: {fmt_date(spec.issue_date, spec.date_style)}"]
    if spec.extra.get("against"):
        header.append(f"Against invoice {spec.extra['against']}")
    if spec.customer:
        header.append(f"To: {spec.customer.name}")
    for line in header:
        c.drawString(x, y, line)
        y -= 14
    y -= 20
    mixed = len(spec.rates()) > 1
    for item in spec.items:
        text = item.description
        if item.qty is not None:
            text += f", {fmt_qty(item.qty)} x {fmt_money(item.price, spec.money_style)}"
        amount = money_text(spec, item.amount) + (f" {CODES[f'{item.rate:g}'].replace('A', 'S')}" if mixed else "")
        _dotted(c, x, y, text, amount)
        y -= 15
    y -= 10
    net, _, gross = spec.totals()
    rates = spec.rates()
    if spec.extra.get("outside_scope"):
        rows = [("Amount due", gross)]
    else:
        rows = [("Net", net)]
        for rate, rnet, rvat, _ in spec.breakdown():
            rows.append((f"VAT {fmt_rate(rate)} on {fmt_money(rnet, spec.money_style)}" if mixed else
                         f"VAT ({fmt_rate(rate)})", rvat))  # fmt: skip
        rows.append(("Total credit" if spec.kind == "credit_note" else "Total", gross))
    for label, value in rows:
        c.setFont("Helvetica-Bold" if label.startswith(("Total", "Amount")) else "Helvetica", 10)
        c.drawString(330, y, f"{label}:")
        c.drawRightString(535, y, money_text(spec, value))
        y -= 15
    y -= 20
    c.setFont("Helvetica", 9)
    notes = []
    if mixed:
        notes.append("S = standard rate 20%, Z = zero-rated")
    if spec.extra.get("outside_scope"):
        notes.append("No VAT is charged: business rates are outside the scope of VAT.")
    for note in notes:
        c.drawString(x, y, note)
        y -= 13
    if issuer.vat_number:
        c.drawString(x, 70, f"VAT No. {fmt_vat(issuer.vat_number, 'compact')}")
    if rates and spec.extra.get("outside_scope") is None and issuer.email:
        c.drawString(x, 58, f"Questions? {issuer.email}")
    c.showPage()
    c.save()


def _dotted(c: Canvas, x: float, y: float, text: str, amount: str) -> None:
    """Description, leader dots, amount right-aligned at 535."""
    c.setFont("Helvetica", 10)
    c.drawString(x, y, text)
    start = x + c.stringWidth(text, "Helvetica", 10) + 6
    end = 535 - c.stringWidth(amount, "Helvetica", 10) - 6
    dots = max(int((end - start) / c.stringWidth(".", "Helvetica", 10)), 3)
    c.drawString(start, y, "." * dots)
    c.drawRightString(535, y, amount)
