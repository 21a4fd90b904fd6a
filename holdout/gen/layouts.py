"""Nine page layouts, each a different kind of UK paperwork; every figure printed comes from the Doc's arithmetic."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from holdout.gen.fmt import fmt_date, fmt_money, fmt_rate, fmt_vat_number
from holdout.gen.model import Doc, Line
from holdout.gen.pen import Pen, register

W, H = A4


def render(d: Doc) -> bytes:
    """The document as a born-digital PDF (byte-identical on every run)."""
    buffer = io.BytesIO()
    size = RECEIPT_SIZES.get(d.layout, lambda _: A4)(d)
    regular, _ = register(d.font)  # also the canvas's initial font, so no base-14 font is referenced at all
    c = Canvas(buffer, pagesize=size, invariant=1, pageCompression=1, initialFontName=regular)
    c.setTitle(f"{d.supplier.name} {d.doc_no or ''}".strip())
    c.setAuthor(d.supplier.name)
    LAYOUTS[d.layout](c, d, size)
    c.save()
    return buffer.getvalue()


def _m(d: Doc, value: Decimal) -> str:
    return fmt_money(value, d.money_style)


def _date(d: Doc, offset: int = 0) -> str:
    return fmt_date(d.issued + timedelta(days=offset), d.date_style)


def _vat(d: Doc) -> str:
    return fmt_vat_number(d.supplier.vat_number or "", d.vat_style)


def _lbl(d: Doc, key: str, default: str) -> str:
    return d.labels.get(key, default)


def _rate_code(rate: Decimal | None) -> str:
    return {None: "E", Decimal(0): "Z", Decimal(5): "R", Decimal(20): "S"}[rate]


def _qty(line: Line) -> str:
    return f"{line.quantity.normalize():f}"


def _pages(lines: list[Line], first: int, rest: int) -> list[list[Line]]:
    chunks, remaining = [lines[:first]], lines[first:]
    while remaining:
        chunks.append(remaining[:rest])
        remaining = remaining[rest:]
    return chunks


def _analysis_table(p: Pen, d: Doc, x: float, y: float, *, codes: bool = False) -> float:
    """A VAT analysis (rate, net, VAT) when the document has more than one rate; returns the next y."""
    p.text(x, y, _lbl(d, "analysis", "VAT analysis"), bold=True)
    y -= 13
    cols = ("Code", "Rate", "Net", "VAT") if codes else ("Rate", "Net", "VAT")
    xs = (x, x + 40, x + 120, x + 180) if codes else (x, x + 95, x + 155)
    for cx, col in zip(xs, cols, strict=True):
        p.text(cx, y, col, grey=0.3, align="left" if col in ("Code", "Rate") else "right")
    y -= 12
    for rate, net, vat in d.analysis():
        values = ([_rate_code(rate)] if codes else []) + [fmt_rate(rate), _m(d, net), _m(d, vat)]
        for cx, col, value in zip(xs, cols, values, strict=True):
            p.text(cx, y, value, align="left" if col in ("Code", "Rate") else "right")
        y -= 12
    return y


# --- 1. modern two-column SaaS invoice --------------------------------------------------------------


def saas(c: Canvas, d: Doc, size) -> None:
    p = Pen(c, d.font)
    c.setFillColorRGB(0.16, 0.28, 0.55)
    c.rect(0, H - 14, W, 14, stroke=0, fill=1)
    p.text(40, H - 60, d.supplier.name, size=17, bold=True)
    for i, row in enumerate(d.supplier.address):
        p.text(40, H - 76 - 11 * i, row, size=8.5, grey=0.35)
    p.text(W - 40, H - 62, _lbl(d, "title", "Invoice"), size=24, align="right", grey=0.2)
    meta = [(_lbl(d, "no", "Invoice #"), d.doc_no or ""), (_lbl(d, "date", "Issued"), _date(d)),
            ("Due", _date(d, 14)), ("Customer ID", d.extra.get("customer_id", "C-0419"))]  # fmt: skip
    for i, (label, value) in enumerate(meta):
        y = H - 100 - 14 * i
        p.text(W - 170, y, label, grey=0.4)
        p.text(W - 40, y, value, align="right", bold=i == 0)
    p.text(40, H - 140, "Billed to", grey=0.4)
    p.text(40, H - 154, d.customer.name, bold=True)
    for i, row in enumerate(d.customer.address):
        p.text(40, H - 166 - 11 * i, row)
    y = H - 230
    heads = [("Description", 40, "left"), ("Qty", 340, "right"), ("Unit price", 420, "right"),
             ("VAT", 470, "right"), ("Amount", W - 40, "right")]  # fmt: skip
    for title, x, align in heads:
        p.text(x, y, title, bold=True, align=align, size=8.5)
    p.rule(40, y - 5, W - 40, y - 5, grey=0.6)
    y -= 20
    for line in d.lines:
        p.text(40, y, line.description)
        p.text(340, y, _qty(line), align="right")
        p.text(420, y, _m(d, line.unit), align="right")
        p.text(470, y, fmt_rate(line.rate), align="right")
        p.text(W - 40, y, _m(d, d.line_amount(line)), align="right")
        y -= 16
    p.rule(300, y + 6, W - 40, y + 6, grey=0.6)
    y -= 8
    rows = [(_lbl(d, "sub", "Subtotal"), d.net)]
    rows += [(f"VAT ({fmt_rate(r)})", v) for r, _, v in d.analysis() if r]
    rows += [(_lbl(d, "total", "Total (GBP)"), d.gross)]
    for i, (label, value) in enumerate(rows):
        last = i == len(rows) - 1
        p.text(W - 170, y, label, bold=last)
        p.text(W - 40, y, _m(d, value), align="right", bold=last)
        y -= 15
    if len(d.rates()) > 1:
        _analysis_table(p, d, 40, y - 10)
    p.rule(40, 95, W - 40, 95, grey=0.7)
    p.text(40, 80, f"{d.supplier.name} · Registered in England and Wales No. {d.supplier.company_no}", size=7.5,
           grey=0.35)  # fmt: skip
    p.text(40, 69, f"{_lbl(d, 'vat', 'VAT registration')}: {_vat(d)} · {d.supplier.email} · {d.supplier.phone}",
           size=7.5, grey=0.35)  # fmt: skip
    p.text(40, 58, "Pay by bank transfer: sort code 99-41-07, account 31926480, quoting the invoice number.",
           size=7.5, grey=0.35)  # fmt: skip


# --- 2. trade-counter invoice with account / reference boxes (may run to two pages) ----------------------


def trade(c: Canvas, d: Doc, size) -> None:
    pages = _pages(d.lines, 24, 34)
    for number, chunk in enumerate(pages, start=1):
        p = Pen(c, d.font, 9)
        p.text(36, H - 48, d.supplier.name.upper(), size=15, bold=True)
        p.text(36, H - 62, ", ".join(d.supplier.address) + f"  Tel {d.supplier.phone}", size=8)
        p.text(36, H - 73, f"{_lbl(d, 'vat', 'VAT Reg No')}: {_vat(d)}", size=8)
        p.box(W - 190, H - 80, 154, 44, width=1.2)
        p.text(W - 113, H - 56, _lbl(d, "title", "INVOICE"), size=14, bold=True, align="center")
        p.text(W - 113, H - 72, f"Page {number} of {len(pages)}", size=8, align="center")
        boxes = [("Account No", d.extra.get("account", "MAR014")), ("Your Order No", d.extra.get("order", "PO 2231")),
                 ("Our Ref", d.extra.get("our_ref", "TC/7731")), (_lbl(d, "date", "Tax Point"), _date(d)),
                 (_lbl(d, "no", "Invoice No"), d.doc_no or "")]  # fmt: skip
        bw = (W - 72) / len(boxes)
        for i, (label, value) in enumerate(boxes):
            x = 36 + i * bw
            p.box(x, H - 128, bw, 34)
            p.text(x + 4, H - 105, label, size=7, grey=0.35)
            p.text(x + 4, H - 121, value, bold=True)
        if number == 1:
            p.text(36, H - 148, "Invoice To:", size=8, grey=0.35)
            p.text(300, H - 148, "Deliver To:", size=8, grey=0.35)
            for i, row in enumerate((d.customer.name, *d.customer.address)):
                p.text(36, H - 161 - 11 * i, row)
                p.text(300, H - 161 - 11 * i, row)
        y = H - 225 if number == 1 else H - 150
        cols = [("Code", 36, "left"), ("Description", 92, "left"), ("Qty", 360, "right"), ("Price", 420, "right"),
                ("Net", 500, "right"), ("VAT", W - 40, "right")]  # fmt: skip
        p.box(36, y - 4, W - 72, 15, fill=0.88)
        for title, x, align in cols:
            p.text(x, y, title, bold=True, align=align)
        y -= 17
        for line in chunk:
            p.text(36, y, line.code)
            p.text(92, y, line.description)
            p.text(360, y, _qty(line), align="right")
            p.text(420, y, fmt_money(line.unit, "bare_plain"), align="right")
            p.text(500, y, fmt_money(d.line_amount(line), "bare"), align="right")
            p.text(W - 40, y, _rate_code(line.rate), align="right")
            y -= 14
        if number < len(pages):
            p.text(W - 40, 60, "Continued overleaf ...", align="right", size=8)
            c.showPage()
            continue
        y -= 10
        p.rule(36, y + 8, W - 36, y + 8)
        _analysis_table(p, d, 36, y - 8, codes=True)
        rows = [(_lbl(d, "sub", "Goods"), d.net), ("VAT", d.vat), (_lbl(d, "total", "Invoice Total"), d.gross)]
        for i, (label, value) in enumerate(rows):
            yy = y - 8 - 16 * i
            p.text(W - 150, yy, label, bold=i == 2)
            p.text(W - 40, yy, _m(d, value), bold=i == 2, align="right")
        p.text(36, 60, "Terms: strictly 30 days end of month. Goods remain our property until paid for in full.",
               size=7.5)  # fmt: skip
        p.text(36, 50, "Codes: S standard 20%, R reduced 5%, Z zero rated, E exempt / outside scope.", size=7.5)


# --- 3. thermal till receipt -----------------------------------------------------------------------------


def _receipt_rows(d: Doc) -> int:
    return 28 + 2 * len(d.lines) + 2 * len(d.rates())


def _receipt_size(d: Doc):
    return (80 * mm, _receipt_rows(d) * 11 + 40)


def till(c: Canvas, d: Doc, size) -> None:
    wd, ht = size
    p = Pen(c, d.font, 8)
    x0, x1, mid = 10, wd - 10, wd / 2
    y = ht - 24
    p.text(mid, y, d.supplier.name.upper(), bold=True, size=9.5, align="center")
    for row in (*d.supplier.address, f"Tel: {d.supplier.phone}"):
        y -= 11
        p.text(mid, y, row, align="center")
    if d.vat_registered and d.supplier.vat_number:
        y -= 11
        p.text(mid, y, f"{_lbl(d, 'vat', 'VAT No:')} {_vat(d)}", align="center")
    y -= 18
    p.text(x0, y, f"{_date(d)}  {d.extra.get('time', '14:32')}")
    p.text(x1, y, f"Till {d.extra.get('till', '03')} Op {d.extra.get('op', '117')}", align="right")
    if d.doc_no:
        y -= 11
        p.text(x0, y, f"{_lbl(d, 'no', 'Receipt No:')} {d.doc_no}")
    y -= 6
    p.dashes(x0, x1, y)
    codes = {r: "ABCD"[i] for i, r in enumerate(d.rates())} if d.vat_registered else {}
    for line in d.lines:
        y -= 12
        p.text(x0, y, line.description[:30])
        p.text(x1, y, f"{fmt_money(d.line_amount(line), 'bare_plain')} {codes.get(line.rate, '')}".rstrip(),
               align="right")  # fmt: skip
        if line.quantity != 1:
            y -= 10
            p.text(x0 + 12, y, f"{_qty(line)} @ {fmt_money(line.unit, 'pound_plain')}")
    y -= 6
    p.dashes(x0, x1, y)
    y -= 14
    p.text(x0, y, f"{len(d.lines)} ITEMS")
    y -= 14
    p.text(x0, y, _lbl(d, "total", "TOTAL"), bold=True, size=10)
    p.text(x1, y, fmt_money(d.gross, "pound_plain"), bold=True, size=10, align="right")
    y -= 12
    p.text(x0, y, d.extra.get("tender", "CONTACTLESS"))
    p.text(x1, y, fmt_money(d.gross, "bare_plain"), align="right")
    y -= 11
    p.text(x0, y, "CHANGE")
    p.text(x1, y, "0.00", align="right")
    if d.vat_registered:
        y -= 16
        p.text(x0, y, "VAT")
        for x, title in ((x0 + 40, "Rate"), (x0 + 110, "Net"), (x0 + 155, "VAT"), (x1, "Total")):
            p.text(x, y, title, align="left" if title == "Rate" else "right")
        for rate, net, vat in d.analysis():
            y -= 11
            p.text(x0, y, codes[rate])
            p.text(x0 + 40, y, fmt_rate(rate))
            p.text(x0 + 110, y, fmt_money(net, "bare_plain"), align="right")
            p.text(x0 + 155, y, fmt_money(vat, "bare_plain"), align="right")
            p.text(x1, y, fmt_money(net + vat, "bare_plain"), align="right")
    y -= 18
    p.text(mid, y, d.extra.get("footer", "Thank you for shopping with us"), align="center")
    y -= 11
    p.text(mid, y, "Please keep your receipt for returns", align="center")


# --- 4. restaurant bill (prices include VAT) ----------------------------------------------------------


def _bill_size(d: Doc):
    return (105 * mm, 330 + 14 * len(d.lines) + 12 * len(d.rates()))


def restaurant(c: Canvas, d: Doc, size) -> None:
    wd, ht = size
    p = Pen(c, d.font, 9)
    x0, x1, mid = 18, wd - 18, wd / 2
    y = ht - 36
    p.text(mid, y, d.supplier.name, size=14, bold=True, align="center")
    for row in d.supplier.address:
        y -= 12
        p.text(mid, y, row, align="center", size=8, grey=0.3)
    y -= 12
    p.text(mid, y, d.supplier.web, align="center", size=8, grey=0.3)
    y -= 24
    p.text(x0, y, f"Table {d.extra.get('table', '12')}")
    p.text(x1, y, f"Covers {d.extra.get('covers', 2)}", align="right")
    y -= 12
    p.text(x0, y, f"{_lbl(d, 'no', 'Bill no.')} {d.doc_no}")
    p.text(x1, y, f"Server: {d.extra.get('server', 'Aled')}", align="right")
    y -= 12
    p.text(x0, y, _date(d))
    p.text(x1, y, d.extra.get("time", "20:47"), align="right")
    y -= 10
    p.rule(x0, y, x1, y, grey=0.5)
    for line in d.lines:
        y -= 14
        label = line.description if line.quantity == 1 else f"{_qty(line)} x {line.description}"
        p.text(x0, y, label)
        p.text(x1, y, fmt_money(d.line_amount(line), "bare_plain"), align="right")
    y -= 10
    p.rule(x0, y, x1, y, grey=0.5)
    y -= 16
    p.text(x0, y, _lbl(d, "total", "Total to pay"), bold=True, size=11)
    p.text(x1, y, _m(d, d.gross), bold=True, size=11, align="right")
    for rate, net, vat in d.analysis():
        y -= 13
        p.text(x0, y, f"Includes VAT @ {fmt_rate(rate)} on {_m(d, net)}", size=8)
        p.text(x1, y, _m(d, vat), size=8, align="right")
    y -= 13
    p.text(x0, y, _lbl(d, "sub", "Total excl. VAT"), size=8)
    p.text(x1, y, _m(d, d.net), size=8, align="right")
    y -= 22
    p.text(mid, y, "Service is not included. Gratuities are at your discretion", size=7.5, align="center")
    y -= 10
    p.text(mid, y, "and go to the whole team.", size=7.5, align="center")
    y -= 18
    p.text(mid, y, f"{_lbl(d, 'vat', 'VAT Reg.')} {_vat(d)}", size=8, align="center")


# --- 5. utility-style bill -------------------------------------------------------------------------------


def utility(c: Canvas, d: Doc, size) -> None:
    p = Pen(c, d.font, 9.5)
    p.text(40, H - 55, d.supplier.name, size=18, bold=True)
    p.text(40, H - 72, d.extra.get("strap", "Your business bill"), size=11, grey=0.3)
    meta = [("Account number", d.extra.get("account", "8820 4471 0093")), (_lbl(d, "no", "Bill number"), d.doc_no),
            (_lbl(d, "date", "Bill date"), _date(d)), ("Supply address", d.customer.address[0])]  # fmt: skip
    for i, (label, value) in enumerate(meta):
        y = H - 110 - 14 * i
        p.text(340, y, label, grey=0.35)
        p.text(W - 40, y, value or "", align="right", bold=i == 1)
    p.text(40, H - 110, d.customer.name, bold=True)
    for i, row in enumerate(d.customer.address):
        p.text(40, H - 123 - 12 * i, row)
    y = H - 200
    p.box(40, y - 82, W - 80, 96, fill=0.94)
    p.text(52, y, "Your account at a glance", bold=True, size=11)
    prev = d.extra.get("previous", Decimal("0.00"))
    glance = [("Balance from your last bill", _m(d, prev)), ("Payments received - thank you", "-" + _m(d, prev)),
              ("Charges on this bill (inc VAT)", _m(d, d.gross)),
              (_lbl(d, "total", "Amount due"), _m(d, d.gross))]  # fmt: skip
    for i, (label, value) in enumerate(glance):
        yy = y - 18 - 15 * i
        p.text(52, yy, label, bold=i == 3)
        p.text(W - 52, yy, value, align="right", bold=i == 3)
    y -= 120
    period = d.extra.get("period", "")
    p.text(40, y, f"Your charges{' for ' + period if period else ''}", bold=True, size=11)
    y -= 18
    for line in d.lines:
        p.text(40, y, line.description)
        if line.quantity != 1:
            p.text(300, y, f"{_qty(line)} x {fmt_money(line.unit, 'pound_plain')}", grey=0.35)
        p.text(W - 40, y, _m(d, d.line_amount(line)), align="right")
        y -= 15
    p.rule(300, y + 8, W - 40, y + 8, grey=0.6)
    y -= 4
    p.text(300, y, _lbl(d, "sub", "Charges excluding VAT"))
    p.text(W - 40, y, _m(d, d.net), align="right")
    for rate, net, vat in d.analysis():
        y -= 15
        p.text(300, y, f"VAT at {fmt_rate(rate)} on {_m(d, net)}")
        p.text(W - 40, y, _m(d, vat), align="right")
    y -= 17
    p.text(300, y, "Total charges this bill", bold=True)
    p.text(W - 40, y, _m(d, d.gross), align="right", bold=True)
    p.text(40, 70, f"{d.supplier.name}, {', '.join(d.supplier.address)}. {_lbl(d, 'vat', 'VAT No.')} {_vat(d)}",
           size=7.5, grey=0.35)  # fmt: skip
    p.text(40, 60, f"We will collect {_m(d, d.gross)} by Direct Debit on or after {_date(d, 14)}.", size=7.5,
           grey=0.35)  # fmt: skip


# --- 6. typewriter-style minimal invoice -----------------------------------------------------------------


def typewriter(c: Canvas, d: Doc, size) -> None:
    p = Pen(c, d.font, 10)
    y = H - 60
    for row in (d.supplier.name, *d.supplier.address, d.supplier.phone):
        p.text(60, y, row, bold=row == d.supplier.name)
        y -= 13
    y -= 20
    p.text(W / 2, y, _lbl(d, "title", "I N V O I C E"), size=13, bold=True, align="center")
    y -= 30
    p.text(60, y, f"{_lbl(d, 'no', 'No.')} {d.doc_no}")
    p.text(W - 60, y, f"{_lbl(d, 'date', 'Date:')} {_date(d)}", align="right")
    y -= 26
    p.text(60, y, "To:")
    for row in (d.customer.name, *d.customer.address):
        p.text(95, y, row)
        y -= 13
    y -= 22
    for line in d.lines:
        label = line.description if line.quantity == 1 else f"{_qty(line)} x {line.description}"
        amount = fmt_money(d.line_amount(line), "bare")
        dots = "." * max(3, int((W - 120 - p.width(label) - p.width(amount) - 12) / p.width(".")))
        p.text(60, y, f"{label} {dots}")
        p.text(W - 60, y, amount, align="right")
        y -= 15
    y -= 10
    p.text(W - 60, y + 6, "----------", align="right")
    rows = [(_lbl(d, "sub", "Sub-total"), d.net)]
    rows += [(f"VAT @ {fmt_rate(r)}", v) for r, _, v in d.analysis() if r]
    rows += [(_lbl(d, "total", "TOTAL DUE"), d.gross)]
    for label, value in rows:
        y -= 15
        p.text(W - 200, y, label)
        p.text(W - 60, y, _m(d, value), align="right")
    y -= 40
    if d.supplier.vat_number:
        p.text(60, y, f"{_lbl(d, 'vat', 'VAT No:')} {_vat(d)}")
    p.text(60, y - 15, "Payment by BACS within 14 days please. Thank you for your custom.")


# --- 7. credit note ---------------------------------------------------------------------------------------


def credit(c: Canvas, d: Doc, size) -> None:
    p = Pen(c, d.font, 10)
    p.text(W / 2, H - 60, d.supplier.name, size=16, bold=True, align="center")
    p.text(W / 2, H - 76, " | ".join(d.supplier.address), size=8.5, align="center", grey=0.3)
    p.text(W / 2, H - 88, f"{d.supplier.phone} | {d.supplier.email}", size=8.5, align="center", grey=0.3)
    p.rule(50, H - 98, W - 50, H - 98, width=1.2)
    p.text(50, H - 130, _lbl(d, "title", "CREDIT NOTE"), size=18, bold=True)
    meta = [
        (_lbl(d, "no", "Credit note no."), d.doc_no),
        (_lbl(d, "date", "Date"), _date(d)),
        ("Original invoice", d.extra.get("original", "")),
        ("Reason", d.extra.get("reason", "Returned goods")),
    ]
    for i, (label, value) in enumerate(meta):
        y = H - 160 - 15 * i
        p.text(50, y, label, grey=0.35)
        p.text(170, y, value or "")
    p.text(360, H - 160, "Credit to:", grey=0.35)
    for i, row in enumerate((d.customer.name, *d.customer.address)):
        p.text(360, H - 175 - 13 * i, row)
    y = H - 260
    for title, x, align in (("Item", 50, "left"), ("Qty", 360, "right"), ("Price", 430, "right"),
                            ("Credit", W - 50, "right")):  # fmt: skip
        p.text(x, y, title, bold=True, align=align)
    p.rule(50, y - 5, W - 50, y - 5)
    for line in d.lines:
        y -= 17
        p.text(50, y, line.description)
        p.text(360, y, _qty(line), align="right")
        p.text(430, y, _m(d, line.unit), align="right")
        p.text(W - 50, y, _m(d, d.line_amount(line)), align="right")
    y -= 28
    rows = [(_lbl(d, "sub", "Net credit"), d.net)]
    rows += [(f"VAT credit @ {fmt_rate(r)}", v) for r, _, v in d.analysis() if r]
    rows += [(_lbl(d, "total", "Total credit"), d.gross)]
    for i, (label, value) in enumerate(rows):
        p.text(W - 220, y - 16 * i, label, bold=i == len(rows) - 1)
        p.text(W - 50, y - 16 * i, _m(d, value), align="right", bold=i == len(rows) - 1)
    p.text(50, 90, "This credit will be set against your next payment. No payment is due on this document.",
           size=8.5)  # fmt: skip
    p.text(50, 76, f"{_lbl(d, 'vat', 'VAT Registration No.')} {_vat(d)}", size=8.5)


# --- 8. a sales invoice issued by the tenant -----------------------------------------------------------------


def sales(c: Canvas, d: Doc, size) -> None:
    p = Pen(c, d.font, 9.5)
    c.setFillColorRGB(0.42, 0.30, 0.22)
    c.rect(W - 200, H - 120, 160, 80, stroke=0, fill=1)
    c.setFillColorRGB(1, 1, 1)
    c.setFont(p.bold, 20)
    c.drawCentredString(W - 120, H - 88, _lbl(d, "title", "Invoice"))
    c.setFillGray(0)
    p.text(40, H - 60, d.supplier.name, size=15, bold=True)
    for i, row in enumerate((*d.supplier.address, d.supplier.email)):
        p.text(40, H - 75 - 11 * i, row, size=8.5)
    p.text(40, H - 150, _lbl(d, "to", "Invoice to:"), grey=0.35)
    for i, row in enumerate((d.customer.name, *d.customer.address)):
        p.text(40, H - 164 - 12 * i, row, bold=i == 0)
    meta = [(_lbl(d, "no", "Invoice No"), d.doc_no), (_lbl(d, "date", "Invoice date / tax point"), _date(d)),
            ("Payment due", _date(d, 30))]  # fmt: skip
    for i, (label, value) in enumerate(meta):
        p.text(320, H - 150 - 14 * i, label, grey=0.35)
        p.text(W - 40, H - 150 - 14 * i, value or "", align="right")
    y = H - 240
    for title, x, align in (("Description", 40, "left"), ("Qty", 330, "right"), ("Each", 400, "right"),
                            ("VAT rate", 460, "right"), ("Net", W - 40, "right")):  # fmt: skip
        p.text(x, y, title, bold=True, align=align)
    p.rule(40, y - 5, W - 40, y - 5, grey=0.4)
    for line in d.lines:
        y -= 16
        p.text(40, y, line.description)
        p.text(330, y, _qty(line), align="right")
        p.text(400, y, _m(d, line.unit), align="right")
        p.text(460, y, fmt_rate(line.rate), align="right")
        p.text(W - 40, y, _m(d, d.line_amount(line)), align="right")
    y -= 26
    rows = [(_lbl(d, "sub", "Total net"), d.net), ("Total VAT", d.vat), (_lbl(d, "total", "Total (inc VAT)"), d.gross)]
    for i, (label, value) in enumerate(rows):
        p.text(W - 200, y - 15 * i, label, bold=i == 2)
        p.text(W - 40, y - 15 * i, _m(d, value), align="right", bold=i == 2)
    if len(d.rates()) > 1:
        _analysis_table(p, d, 40, y)
    p.text(40, 70, f"{d.supplier.name} · {_lbl(d, 'vat', 'VAT No.')} {_vat(d)} · Company No. {d.supplier.company_no}",
           size=8)  # fmt: skip


# --- 9. professional services letterhead (fees and exempt disbursements) --------------------------------------


def letterhead(c: Canvas, d: Doc, size) -> None:
    p = Pen(c, d.font, 10)
    p.text(W - 50, H - 55, d.supplier.name, size=14, bold=True, align="right")
    for i, row in enumerate((*d.supplier.address, d.supplier.phone, d.supplier.web)):
        p.text(W - 50, H - 70 - 11 * i, row, size=8.5, align="right", grey=0.3)
    for i, row in enumerate((d.customer.name, *d.customer.address)):
        p.text(60, H - 150 - 13 * i, row)
    y = H - 230
    for label, value in (
        (_lbl(d, "ourref", "Our ref"), d.extra.get("our_ref", "HP/LR/0412")),
        ("Your ref", d.extra.get("your_ref", "Lease renewal")),
        (_lbl(d, "no", "Invoice No."), d.doc_no),
        (_lbl(d, "date", "Date / tax point"), _date(d)),
    ):
        p.text(60, y, label, grey=0.35)
        p.text(180, y, value or "")
        y -= 14
    y -= 16
    p.text(60, y, _lbl(d, "title", "VAT INVOICE"), size=13, bold=True)
    y -= 18
    p.text(60, y, d.extra.get("matter", "To our professional services in connection with the above matter:"),
           size=9.5)  # fmt: skip
    y -= 22
    for line in d.lines:
        p.text(60, y, line.description)
        p.text(W - 130, y, "no VAT" if line.rate is None else fmt_rate(line.rate), align="right", grey=0.35)
        p.text(W - 60, y, _m(d, d.line_amount(line)), align="right")
        y -= 16
    y -= 14
    fees = sum((d.line_amount(li) for li in d.lines if li.rate is not None), Decimal("0.00"))
    rows = [("Fees and taxable items", fees), ("Disbursements (no VAT)", d.net - fees)]
    rows += [(f"VAT @ {fmt_rate(r)} on {_m(d, n)}", v) for r, n, v in d.analysis() if r]
    rows += [(_lbl(d, "total", "Total now due"), d.gross)]
    for i, (label, value) in enumerate(rows):
        last = i == len(rows) - 1
        p.text(W - 330, y, label, bold=last)
        p.text(W - 60, y, _m(d, value), align="right", bold=last)
        y -= 15
    p.text(60, 80, f"{_lbl(d, 'vat', 'VAT Reg No')}: {_vat(d)}", size=8.5)
    p.text(60, 68, "Authorised and regulated by a fictitious professional body. Interest may be charged on late "
           "payment.", size=7.5, grey=0.35)  # fmt: skip


LAYOUTS = {"saas": saas, "trade": trade, "till": till, "restaurant": restaurant, "utility": utility,
           "typewriter": typewriter, "credit": credit, "sales": sales, "letterhead": letterhead}  # fmt: skip
RECEIPT_SIZES = {"till": _receipt_size, "restaurant": _bill_size}
