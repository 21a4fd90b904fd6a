"""CSV for spreadsheets: cells that cannot run as formulas, written row by row to a stream.

Why prefix: a spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some, a tab
or carriage return) as a formula, so a supplier named ``=HYPERLINK(...)`` in an exported ledger would run
on the accountant's machine. Such text cells get a leading apostrophe, which spreadsheets show as text.
Numbers, dates and money are written as themselves: a negative amount stays a number.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str | int | Decimal:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, Decimal)):
        return value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Line:
    """A file-like object that hands back what the csv writer wrote."""

    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text


def csv_lines(header: Iterable[str], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """The CSV text, one line at a time (a streamed response's body, or a zip member's)."""
    out = _Line()
    writer = csv.writer(out)
    writer.writerow([safe_cell(v) for v in header])
    yield out.text
    for row in rows:
        out.text = ""
        writer.writerow([safe_cell(v) for v in row])
        yield out.text
