"""The table invoice: letterhead left, details right, a bordered item table, totals, a VAT summary; pages."""

from __future__ import annotations

import io
from datetime import timedelta

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from .common import BANK_LINE, money_text, new_canvas, number_label
from .fmt import fmt_date, fmt_qty, fmt_rate, fmt_vat
from .model import EXEMPT, DocSpec


def draw(buf: io.BytesIO, spec: DocSpec, **kwargs) -> None:
    c = new_canvas(buf, spec, **kwargs)
    width, _ = A4
    chunks = [spec.items[i : i + spec.rows_per_page] for i in range(0, len(spec.items), spec.rows_per_page)]
    carried = None
    for page_no, chunk in enumerate(chunks, start=1):
        last = page_no == len(chunks)
        _table_header(c, spec, page_no, len(chunks))
        y = 590 if page_no == 1 else 650
        c.setFillGray(0.88)
        c.rect(48, y - 5, 497, 17, stroke=0, fill=1)
        c.setFillGray(0)
        c.setFont("Helvetica-Bold", 9)
        c.drawString(55, y, "Description")
        for x, label in ((330, "Qty"), (410, "Unit Price"), (465, "VAT"), (540, "Amount")):
            c.drawRightString(x, y, label)
        c.setFont("Helvetica", 9)
        y -= 20
        if carried is not None:
            c.drawString(55, y, "Brought forward")
            c.drawRightString(540, y, money_text(spec, carried))
            y -= 17
        for item in chunk:
            assert item.qty is not None, "table rows always print a quantity"
            c.drawString(55, y, item.description)
            c.drawRightString(330, y, fmt_qty(item.qty))
            c.drawRightString(410, y, money_text(spec, item.price))
            c.drawRightString(465, y, fmt_rate(item.rate))
            c.drawRightString(540, y, money_text(spec, item.amount))
            y -= 17
        c.setLineWidth(0.5)
        c.line(48, y + 10, 545, y + 10)
        running = sum((i.amount for i in spec.items[: spec.rows_per_page * page_no]), start=type(chunk[0].price)())
        if not last:
            c.setFont("Helvetica-Oblique", 9)
            c.drawString(300, y - 6, "Carried forward")
            c.drawRightString(540, y - 6, money_text(spec, running))
            c.drawString(55, 90, "Continued on the next page")
            carried = running
        else:
            _table_totals(c, spec, y - 8)
        _table_footer(c, spec, width)
        c.showPage()
    c.save()


def _table_header(c: Canvas, spec: DocSpec, page_no: int, pages: int) -> None:
    issuer = spec.issuer
    c.setFont("Helvetica-Bold", 16)
    c.drawString(50, 790, issuer.name)
    c.setFont("Helvetica-Bold", 20)
    c.drawRightString(545, 788, spec.title)
    c.setFont("Helvetica", 9)
    y = 772
    for line in issuer.address:
        c.drawString(50, y, line)
        y -= 12
    if issuer.phone:
        c.drawString(50, y, f"Tel: {issuer.phone}")
        y -= 12
    if issuer.email:
        c.drawString(50, y, f"Email: {issuer.email}")
        y -= 12
    if issuer.vat_number:
        c.drawString(50, y, f"VAT Reg No: {fmt_vat(issuer.vat_number)}")
    rows = [(number_label(spec), spec.doc_number or "")]
    rows.append(
        ("Date:" if spec.kind == "credit_note" else "Invoice Date:", fmt_date(spec.issue_date, spec.date_style))
    )
    if spec.kind != "credit_note":
        rows.append(("Due Date:", fmt_date(spec.issue_date + timedelta(days=30), spec.date_style)))
    if spec.extra.get("against"):
        rows.append(("Against Invoice:", spec.extra["against"]))
    if spec.extra.get("account_no"):
        rows.append(("Account No:", spec.extra["account_no"]))
    if spec.extra.get("period"):
        start, end = spec.extra["period"]
        rows.append(("Billing Period:", f"{fmt_date(start, spec.date_style)} to {fmt_date(end, spec.date_style)}"))
    if pages > 1:
        rows.append(("Page:", f"{page_no} of {pages}"))
    y = 760
    for label, value in rows:
        c.setFont("Helvetica-Bold", 9)
        c.drawString(330, y, label)
        c.setFont("Helvetica", 9)
        c.drawRightString(545, y, value)
        y -= 13
    if page_no == 1 and spec.customer:
        c.setFont("Helvetica-Bold", 10)
        c.drawString(50, 670, "Bill To:")
        c.setFont("Helvetica", 10)
        y = 656
        for line in (spec.customer.name, *spec.customer.address):
            c.drawString(50, y, line)
            y -= 13


def _table_totals(c: Canvas, spec: DocSpec, y: float) -> None:
    net, vat, gross = spec.totals()
    rows = [("Subtotal", net)]
    for rate, _rnet, rvat, _ in spec.breakdown():
        if rate is not None and rate != EXEMPT:
            rows.append((f"VAT @ {fmt_rate(rate)}", rvat))
    if not any(r not in (None, EXEMPT) for r in spec.rates()):
        rows.append(("VAT", vat))
    total_label = "Total Credit" if spec.kind == "credit_note" else "Total Due"
    for label, value in rows:
        c.setFont("Helvetica", 10)
        c.drawString(360, y, label)
        c.drawRightString(540, y, money_text(spec, value))
        y -= 15
    c.setFont("Helvetica-Bold", 11)
    c.drawString(360, y, total_label)
    c.drawRightString(540, y, money_text(spec, gross))
    y -= 28
    if len(spec.breakdown()) > 1:
        c.setFont("Helvetica-Bold", 9)
        c.drawString(55, y, "VAT Summary")
        y -= 13
        c.drawString(55, y, "Rate")
        c.drawRightString(200, y, "Net")
        c.drawRightString(280, y, "VAT")
        c.setFont("Helvetica", 9)
        for rate, rnet, rvat, _ in spec.breakdown():
            y -= 13
            c.drawString(55, y, fmt_rate(rate))
            c.drawRightString(200, y, money_text(spec, rnet))
            c.drawRightString(280, y, money_text(spec, rvat))


def _table_footer(c: Canvas, spec: DocSpec, width: float) -> None:
    c.setFont("Helvetica", 7.5)
    if spec.kind == "credit_note":
        c.drawCentredString(width / 2, 62, "This credit will be set against your next invoice.")
    else:
        c.drawCentredString(width / 2, 62, f"Payment terms: 30 days from the invoice date. {BANK_LINE}")
    if spec.issuer.company_number:
        c.drawCentredString(
            width / 2,
            52,
            f"Registered in England and Wales No. {spec.issuer.company_number}. "
            f"Registered office: {', '.join(spec.issuer.address)}.",
        )
