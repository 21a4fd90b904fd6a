"""Reports as PDF (reportlab): a title, notes and the table; a VAT return with HMRC's receipt.

Why reportlab and not the browser: an export is made on request in the web process with no renderer to
drive, and the same bytes come out on every machine. Money is formatted as on the pages (format_money).
Long tables are cut into blocks so layout stays linear in the number of rows.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal
from itertools import islice
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from apps.core.money import format_money
from apps.reports.exports.tables import Table as ReportTable

BLOCK = 400  # rows per reportlab table


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format_money(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def _style(bold_rows: set[int], offset: int) -> TableStyle:
    commands = [
        ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    for index in bold_rows:
        row = index - offset + 1
        if 1 <= row <= BLOCK:
            commands.append(("FONTNAME", (0, row), (-1, row), "Helvetica-Bold"))
    return TableStyle(commands)


def _numeric_columns(first: list) -> list[int]:
    return [i for i, v in enumerate(first) if isinstance(v, Decimal)]


def render_table(table: ReportTable) -> bytes:
    """The whole PDF of one report."""
    styles = getSampleStyleSheet()
    story: list = [Paragraph(escape(table.title), styles["Title"])]
    story += [Paragraph(escape(note), styles["Normal"]) for note in table.notes]
    story.append(Spacer(1, 4 * mm))
    rows = iter(table.rows)
    offset = 0
    while True:
        block = list(islice(rows, BLOCK))
        if not block and offset:
            break
        body = [[_cell(v) for v in row] for row in block]
        t = Table([table.header, *body], repeatRows=1)
        style = _style(table.bold_rows, offset)
        for column in {c for row in block for c in _numeric_columns(row)}:
            style.add("ALIGN", (column, 1), (column, -1), "RIGHT")
        t.setStyle(style)
        story.append(t)
        offset += len(block)
        if len(block) < BLOCK:
            break
    return _build(story, title=table.title)


def _build(story: list, *, title: str) -> bytes:
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=landscape(A4), title=title, author="Strongroom",
        leftMargin=12 * mm, rightMargin=12 * mm, topMargin=12 * mm, bottomMargin=12 * mm,
    )  # fmt: skip
    doc.build(story)
    return out.getvalue()


def render_vat_return(*, business: str, period: str, boxes: list[tuple[str, str, Decimal]],
                      status: str, receipt: list[tuple[str, str]]) -> bytes:  # fmt: skip
    """A VAT return's nine boxes and HMRC's receipt (each missing item says why)."""
    styles = getSampleStyleSheet()
    story: list = [
        Paragraph(escape(f"VAT return — {business}"), styles["Title"]),
        Paragraph(escape(period), styles["Normal"]),
        Paragraph(escape(f"Status: {status}"), styles["Normal"]),
        Spacer(1, 4 * mm),
    ]
    box_table = Table([["Box", "Description", "Amount"], *[[n, d, format_money(v)] for n, d, v in boxes]])
    box_table.setStyle(_style(set(), 0))
    story += [box_table, Spacer(1, 6 * mm), Paragraph("HMRC receipt", styles["Heading2"])]
    receipt_table = Table(
        [["Item", "Value"], *[[label, value] for label, value in receipt]], colWidths=[60 * mm, 200 * mm]
    )
    receipt_table.setStyle(_style(set(), 0))
    story.append(receipt_table)
    return _build(story, title=f"VAT return {period}")
