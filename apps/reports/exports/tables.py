"""Each report as one table (title, notes, header, rows): what both the CSV and the PDF export write.

Why one shape: the two formats then cannot disagree about a figure, and a new report needs one function.
Rows hold Decimals and dates (the CSV writes them as numbers, the PDF formats them as money).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from apps.ledger.selectors import TrialBalance
from apps.reports.aged import BUCKETS, AgedReport
from apps.reports.statements import BalanceSheet, Line, ProfitAndLoss, Section
from apps.reports.vat_detail import DetailRow, VatDetail


@dataclass
class Table:
    title: str
    notes: list[str]
    header: list[str]
    rows: Iterable[list]
    slug: str  # the file name's stem
    bold_rows: set[int] = field(default_factory=set)  # totals, by index (the PDF's emphasis)


def _three(line: Line) -> list:
    return [line.code, line.name, line.this, line.previous, line.change]


def _section_rows(section: Section, total_name: str) -> Iterator[list]:
    yield ["", section.title, "", "", ""]
    for line in section.lines:
        yield _three(line)
    yield ["", total_name, section.this, section.previous, section.change]


def profit_and_loss_table(report: ProfitAndLoss, business: str) -> Table:
    rows = [
        *_section_rows(report.income, "Total income"),
        *_section_rows(report.expenses, "Total expenses"),
        _three(report.net_profit),
    ]
    bold = {i for i, r in enumerate(rows) if str(r[1]).startswith(("Total", "Net profit"))}
    return Table(
        f"Profit and loss — {business}",
        [f"This period: {report.period.describe()}", f"Previous period: {report.previous_period.describe()}"],
        ["Code", "Account", "This period", "Previous period", "Change"],
        rows,
        f"profit-and-loss-{report.period.start}-{report.period.end}",
        bold,
    )


def balance_sheet_table(report: BalanceSheet, business: str) -> Table:
    rows = [
        *_section_rows(report.assets, "Total assets"),
        *_section_rows(report.liabilities, "Total liabilities"),
        *_section_rows(report.equity, "Total equity"),
        _three(report.liabilities_and_equity),
    ]
    bold = {i for i, r in enumerate(rows) if str(r[1]).startswith(("Total", "Liabilities and equity"))}
    return Table(
        f"Balance sheet — {business}",
        [
            f"At {report.as_of:%d %b %Y}, compared with {report.previous_as_of:%d %b %Y}",
            "Balanced: assets = liabilities + equity." if report.balances else "NOT BALANCED: tell Strongroom support.",
        ],
        ["Code", "Account", f"At {report.as_of:%d %b %Y}", f"At {report.previous_as_of:%d %b %Y}", "Change"],
        rows,
        f"balance-sheet-{report.as_of}",
        bold,
    )


def trial_balance_table(report: TrialBalance, business: str) -> Table:
    rows = [[r.code, r.name, r.debit_total, r.credit_total, r.debit_balance, r.credit_balance] for r in report.rows]
    rows.append(["", "Totals", report.total_debit, report.total_credit, report.total_debit_balance,
                 report.total_credit_balance])  # fmt: skip
    when = f"up to {report.as_of:%d %b %Y}" if report.as_of else "all postings"
    return Table(
        f"Trial balance — {business}",
        [f"Postings {when}.", "Balanced." if report.balanced else "NOT BALANCED: tell Strongroom support."],
        ["Code", "Account", "Debits", "Credits", "Debit balance", "Credit balance"],
        rows,
        f"trial-balance-{report.as_of or 'all'}",
        {len(rows) - 1},
    )


def vat_detail_table(detail: VatDetail, rows: Iterable[DetailRow], business: str) -> Table:
    o = detail.obligation
    boxes = detail.boxes()
    notes = [f"Period {o.period_key}: {o.start:%d %b %Y} to {o.end:%d %b %Y}."]
    notes += [f"Box {t.box} ({t.name}): {t.as_filed} from {t.lines} lines." for t in detail.totals]
    notes.append(f"Box 3: {boxes.box3}. Box 5: {boxes.box5}. Boxes 2, 8 and 9: 0 (no Northern Ireland trade).")

    def body() -> Iterator[list]:
        for r in rows:
            yield [r.box, r.date, r.number, r.account_code, r.account_name, r.description, r.vat_treatment,
                   r.amount, "late posting" if r.late else ""]  # fmt: skip

    return Table(
        f"VAT detail — {business}",
        notes,
        ["Box", "Date", "Journal", "Code", "Account", "Description", "VAT treatment", "Amount", "Note"],
        body(),
        f"vat-detail-{o.period_key}",
    )


def aged_table(report: AgedReport, business: str) -> Table:
    rows = [[i.date, i.number, i.party, i.original, i.outstanding, i.age_days, i.bucket] for i in report.items]
    summary = [
        ["", "", name, "", total, "", "Bucket total"] for name, total in zip(BUCKETS, report.totals, strict=True)
    ]
    rows += [*summary, ["", "", "Total", "", report.total, "", ""]]
    notes = [
        f"At {report.as_of:%d %b %Y}; account {report.account_code}, balance {report.balance}.",
        "Aged by invoice date: bills and invoices carry no due date. Payments clear the oldest invoices first.",
    ]
    if report.unmatched:
        notes.append(f"{report.unmatched} of the balance is not explained by invoices (opening balances).")
    start = len(rows) - len(summary) - 1
    return Table(
        f"{report.title} — {business}",
        notes,
        ["Invoice date", "Journal", "Party", "Invoice amount", "Outstanding", "Days", "Bucket"],
        rows,
        f"{report.kind}-aged-{report.as_of}",
        set(range(start, len(rows))),
    )
