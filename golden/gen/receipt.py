"""The till receipt: an 80 mm wide Courier slip, VAT codes on each line and a VAT analysis at the foot."""

from __future__ import annotations

import io

from reportlab.lib.units import mm

from .common import CODES, new_canvas
from .fmt import fmt_date, fmt_qty, fmt_vat
from .model import EXEMPT, DocSpec

RECEIPT_WIDTH = 80 * mm
RECEIPT_CHARS = 40


def _code(spec: DocSpec, rate) -> str:
    if rate is None:
        return ""
    codes = spec.extra.get("codes", CODES)
    return codes[f"{rate:g}"]


def _receipt_lines(spec: DocSpec) -> list[tuple[str, str]]:
    """(style, text) lines: style 'c' centred, 'cb' centred bold, 'l' left, '-' rule."""
    w = RECEIPT_CHARS
    issuer = spec.issuer
    out: list[tuple[str, str]] = [("cb", issuer.name.upper())]
    out += [("c", line) for line in issuer.address]
    if issuer.vat_number:
        out.append(("c", f"VAT No: {fmt_vat(issuer.vat_number)}"))
    out += [("c", ""), ("c", spec.title), ("-", "")]
    when = fmt_date(spec.issue_date, spec.date_style)
    out.append(("l", f"Date: {when}".ljust(w - 11) + f"Time: {spec.extra.get('time', '10:42')}"))
    if spec.doc_number:
        out.append(("l", f"Receipt No: {spec.doc_number}"))
    out += [("l", "Till: 3   Operator: 14"), ("-", "")]
    for item in spec.items:
        code = _code(spec, item.rate)
        amount = f"{item.amount:.2f}"
        if item.qty is not None:
            out.append(("l", item.description))
            left = f"  {fmt_qty(item.qty)} @ {item.price:.2f}"
        else:
            left = item.description
            assert len(left) + len(amount) + 4 <= w, f"receipt line too long: {left!r}"
        out.append(("l", left.ljust(w - 2 - len(amount)) + amount + (f" {code}" if code else "")))
    gross = spec.totals()[2]
    out.append(("-", ""))
    out.append(("l", "TOTAL".ljust(w - 2 - len(f"£{gross:.2f}")) + f"£{gross:.2f}"))
    paid = spec.extra.get("cash")
    if paid:
        out.append(("l", "CASH".ljust(w - 2 - len(f"£{paid:.2f}")) + f"£{paid:.2f}"))
        change = paid - gross
        out.append(("l", "CHANGE".ljust(w - 2 - len(f"£{change:.2f}")) + f"£{change:.2f}"))
    else:
        out.append(("l", "CARD PAYMENT".ljust(w - 2 - len(f"£{gross:.2f}")) + f"£{gross:.2f}"))
        out.append(("l", "Contactless  ************4821"))
    if any(i.rate is not None for i in spec.items):
        out += [("-", ""), ("l", "VAT ANALYSIS"), ("l", "CODE RATE       NET      VAT    GROSS")]
        for rate, rnet, rvat, rgross in spec.breakdown():
            label = "EXEMPT" if rate == EXEMPT else f"{rate:.1f}%"
            out.append(("l", f"{_code(spec, rate):<5}{label:<7}{rnet:>9.2f}{rvat:>9.2f}{rgross:>9.2f}"))
    out += [("-", ""), ("c", "Thank you for your custom"), ("c", "Please keep this receipt")]
    return out


def draw(buf: io.BytesIO, spec: DocSpec, **kwargs) -> None:
    lines = _receipt_lines(spec)
    height = 30 + 11 * len(lines) + 30
    c = new_canvas(buf, spec, pagesize=(RECEIPT_WIDTH, height), **kwargs)
    y = height - 30
    x0 = (RECEIPT_WIDTH - RECEIPT_CHARS * 0.6 * 8) / 2
    for style, text in lines:
        if style == "-":
            c.setFont("Courier", 8)
            c.drawString(x0, y, "-" * RECEIPT_CHARS)
        elif style.startswith("c"):
            c.setFont("Courier-Bold" if style == "cb" else "Courier", 9 if style == "cb" else 8)
            c.drawCentredString(RECEIPT_WIDTH / 2, y, text)
        else:
            c.setFont("Courier", 8)
            c.drawString(x0, y, text)
        y -= 11
    c.showPage()
    c.save()
