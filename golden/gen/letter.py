"""The letter-style invoice: a centred letterhead, an address block, a few paragraphs and a short fee table."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4

from .common import money_text, new_canvas
from .fmt import fmt_date, fmt_rate, fmt_vat
from .model import EXEMPT, DocSpec

SIGNERS = {"Marlow": ("Daniel Marlow", "Partner"), "Hollybush": ("Margaret Hale", "Director"),
           "Harbourside": ("Priya Nair", "Account Manager")}  # fmt: skip


def draw(buf: io.BytesIO, spec: DocSpec, **kwargs) -> None:
    c = new_canvas(buf, spec, **kwargs)
    width, _ = A4
    issuer = spec.issuer
    c.setFont("Times-Bold", 20)
    c.drawCentredString(width / 2, 785, issuer.name)
    c.setFont("Times-Roman", 9.5)
    c.drawCentredString(width / 2, 768, ", ".join(issuer.address))
    contact = "   ".join(x for x in (f"Tel {issuer.phone}" if issuer.phone else "", issuer.email) if x)
    c.drawCentredString(width / 2, 756, contact)
    c.setLineWidth(0.8)
    c.line(60, 746, width - 60, 746)
    c.setFont("Times-Roman", 11)
    y = 715
    for line in (spec.customer.name, *spec.customer.address):
        c.drawString(70, y, line)
        y -= 14
    c.drawRightString(width - 70, 715, fmt_date(spec.issue_date, spec.date_style))
    y -= 20
    c.setFont("Times-Bold", 12)
    c.drawString(70, y, f"Invoice number: {spec.doc_number}")
    y -= 28
    c.setFont("Times-Roman", 11)
    body = spec.extra.get("body") or _letter_body(spec)
    for line in [spec.extra["salutation"], "", *body]:
        c.drawString(70, y, line)
        y -= 15
    y -= 12
    c.setFont("Times-Bold", 11)
    c.drawString(70, y, "Description")
    c.drawRightString(width - 70, y, "Amount")
    c.setFont("Times-Roman", 11)
    y -= 18
    for item in spec.items:
        c.drawString(70, y, item.description)
        c.drawRightString(width - 70, y, money_text(spec, item.amount))
        y -= 16
    c.line(300, y + 8, width - 70, y + 8)
    y -= 8
    net, _, gross = spec.totals()
    rates = spec.rates()
    if rates == [EXEMPT]:
        rows = [("Total premium (exempt from VAT)", net)]
    else:
        rows = [("Total fees (excluding VAT)" if rates != [0] else "Total (zero-rated)", net)]
        rows += [(f"VAT at {fmt_rate(r)}", rv) for r, _, rv, _ in spec.breakdown()]
    rows.append(("Total due", gross))
    for i, (label, value) in enumerate(rows):
        c.setFont("Times-Bold" if i == len(rows) - 1 else "Times-Roman", 11)
        c.drawString(300, y, label)
        c.drawRightString(width - 70, y, money_text(spec, value))
        y -= 16
    y -= 20
    c.setFont("Times-Roman", 11)
    signer = SIGNERS.get(issuer.name.split()[0], ("Jo Ashby", "Director"))
    for line in ("Yours sincerely,", "", "", signer[0], signer[1]):
        c.drawString(70, y, line)
        y -= 15
    c.setFont("Times-Roman", 8.5)
    foot = f"{issuer.name} is registered in England and Wales ({issuer.company_number or 'no. 08012345'})."
    if issuer.vat_number:
        foot += f" VAT registration number {fmt_vat(issuer.vat_number, 'bare')}."
    c.drawCentredString(width / 2, 60, foot)
    c.showPage()
    c.save()


def _letter_body(spec: DocSpec) -> list[str]:
    if spec.rates() == [EXEMPT]:
        return [
            "Please find below the premium for your business insurance. Insurance Premium Tax is included",
            "and no VAT is charged: insurance is exempt from VAT. Please pay by the renewal date.",
        ]
    if spec.kind == "sales_invoice":
        return [
            "Thank you for your order. Our invoice for the goods delivered is below; cold bakery goods",
            "are zero-rated for VAT. Please pay within 14 days by bank transfer.",
        ]
    return [
        "Thank you for instructing us. Our charges for the work listed below are now due. Please pay",
        "within 14 days by bank transfer, quoting the invoice number.",
    ]
