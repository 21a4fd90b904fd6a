"""Reads for bank reconciliation: suggested matches, payee history, rule proposals, the statement balance.

Why apart from ``selectors``: these read a whole page of bank lines at once and rank
candidates in Python, in a fixed number of queries whatever the page holds (the
query-count gate checks it). Nothing here writes; ``services.bank_reconcile`` acts
on what a person (or a bulk action) accepts. Decision 0040.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from difflib import SequenceMatcher

from django.db.models import Count, Q, Sum

from apps.ledger import chart
from apps.ledger.domain import ZERO, EntryKind, VatTreatment, format_money
from apps.ledger.models import BankRule, BankSettlement, BankTransaction, JournalEntry, JournalLine
from apps.ledger.selectors import _needs_posting, match_candidates

# An invoice is looked for from this long before a line to a little after it (paid before it was dated).
LOOK_BACK = timedelta(days=120)
LOOK_AHEAD = timedelta(days=7)
MAX_SUGGESTIONS = 3
# Posted bank lines read for the payee history (newest first): bounds the learning read.
HISTORY_LINES = 400
# The same payee posted to the same account this many times proposes a rule.
LEARN_AFTER = 3
SIMILAR = 0.6
_NOISE_WORDS = frozenset({"ltd", "limited", "plc", "llp", "the", "co", "uk", "and", "of", "card", "payment", "dd"})


class SuggestionKind:
    BILL = "bill"
    INVOICE = "invoice"
    JOURNAL = "journal"
    RULE = "rule"
    HISTORY = "history"


@dataclass(frozen=True)
class Suggestion:
    """One way to handle a line, with why it is offered. ``ref`` names what accepting it uses."""

    kind: str
    ref: str  # an entry id (bill, invoice, journal), a rule id, or "account:treatment" (history)
    label: str
    why: str
    score: float
    account_code: str = ""
    vat_treatment: str = ""


@dataclass(frozen=True)
class RuleProposal:
    payee: str
    account_code: str
    vat_treatment: str
    times: int


# --- Names -----------------------------------------------------------------------


def normalise_payee(value: str) -> str:
    words = re.findall(r"[a-z0-9]+", (value or "").casefold())
    return " ".join(w for w in words if w not in _NOISE_WORDS)


def similarity(a: str, b: str) -> float:
    """0..1: the better of character similarity and word overlap of the normalised names."""
    na, nb = normalise_payee(a), normalise_payee(b)
    if not na or not nb:
        return 0.0
    if na in nb or nb in na:
        return 1.0
    wa, wb = set(na.split()), set(nb.split())
    overlap = len(wa & wb) / len(wa | wb)
    return max(overlap, SequenceMatcher(None, na, nb).ratio())


def _days_phrase(line_date: date, other: date, what: str) -> str:
    days = (line_date - other).days
    if days == 0:
        return f"on the {what} date"
    unit = "day" if abs(days) == 1 else "days"
    return f"{abs(days)} {unit} {'after' if days > 0 else 'before'} the {what} date"


def _date_penalty(line_date: date, other: date) -> float:
    days = (line_date - other).days
    return float(days if days >= 0 else -3 * days)  # paying before the invoice is dated is rarer


# --- Open invoices ---------------------------------------------------------------


@dataclass(frozen=True)
class OpenItem:
    entry_id: uuid.UUID
    number: int
    date: date
    kind: str  # SuggestionKind.BILL or INVOICE
    party: str
    gross: Decimal  # signed as the bank line that settles it: a bill is paid out (negative)


def open_items(lines: Sequence[BankTransaction]) -> list[OpenItem]:
    """Unpaid bills (Cr 800) and sales invoices (Dr 610) of the lines' amounts and dates: three queries.

    Why three plain queries and not one with NOT EXISTS: the candidates are few (amounts and a date window),
    and the planner mis-costs the anti-joins through settlements and reversals when statistics are stale
    (measured: 7 s on freshly seeded tables against 15 ms for these three; ``manage.py bench_bank``)."""
    if not lines:
        return []
    outs = {-ln.amount for ln in lines if ln.amount < 0}
    ins = {ln.amount for ln in lines if ln.amount > 0}
    rows = list(
        JournalLine.objects.filter(
            Q(account__code=chart.ACCOUNTS_PAYABLE, credit__in=outs, entry__kind=EntryKind.PURCHASE)
            | Q(account__code=chart.ACCOUNTS_RECEIVABLE, debit__in=ins, entry__kind=EntryKind.SALES),
            entry__date__gte=min(ln.date for ln in lines) - LOOK_BACK,
            entry__date__lte=max(ln.date for ln in lines) + LOOK_AHEAD,
        )
        .values_list("entry_id", "entry__number", "entry__date", "account__code", "description", "debit", "credit")
        .order_by("entry__date", "entry__number")
    )
    if not rows:
        return []
    ids = {row[0] for row in rows}
    reversed_ids = set(JournalEntry.objects.filter(reverses_id__in=ids).values_list("reverses_id", flat=True))
    paid_ids = set(
        BankSettlement.objects.filter(invoice_id__in=ids)
        .exclude(payment_id__in=JournalEntry.objects.filter(reverses__isnull=False).values("reverses_id"))
        .values_list("invoice_id", flat=True)
    )
    items = []
    for entry_id, number, entry_date, code, party, debit, credit in rows:
        if entry_id in reversed_ids or entry_id in paid_ids:
            continue
        bill = code == chart.ACCOUNTS_PAYABLE
        kind = SuggestionKind.BILL if bill else SuggestionKind.INVOICE
        items.append(OpenItem(entry_id, number, entry_date, kind, party, -credit if bill else debit))
    return items


# --- Payee history and rules ------------------------------------------------------


def payee_history() -> dict[str, Counter]:
    """Normalised payee -> Counter of (account, treatment) over the newest posted bank lines: two queries."""
    posted = list(
        BankTransaction.objects.filter(status=BankTransaction.Status.POSTED, journal_entry__kind=EntryKind.BANK)
        .filter(journal_entry__reversals__isnull=True)
        .order_by("-handled_at")
        .only("counterparty", "description", "journal_entry_id", "tenant")[:HISTORY_LINES]
    )
    if not posted:
        return {}
    chosen = JournalLine.objects.filter(entry_id__in=[ln.journal_entry_id for ln in posted]).exclude(
        account__code__in=[chart.BANK, chart.VAT_INPUT, chart.VAT_OUTPUT]
    )
    by_entry: dict[uuid.UUID, list[tuple[str, str]]] = {}
    for entry_id, code, treatment in chosen.values_list("entry_id", "account__code", "vat_treatment"):
        by_entry.setdefault(entry_id, []).append((code, treatment))
    history: dict[str, Counter] = {}
    for line in posted:
        parts = by_entry.get(line.journal_entry_id, [])
        if len(parts) != 1:  # a split line teaches nothing about one account
            continue
        payee = normalise_payee(line.counterparty or line.description)
        if payee:
            history.setdefault(payee, Counter())[parts[0]] += 1
    return history


def active_bank_rules() -> list[BankRule]:
    return list(BankRule.objects.filter(is_active=True).order_by("created_at"))


def first_matching_rule(line: BankTransaction, rules: Iterable[BankRule]) -> BankRule | None:
    return next((rule for rule in rules if rule.matches(line)), None)


def rule_proposal(line: BankTransaction, history: dict[str, Counter], rules: Sequence[BankRule]) -> RuleProposal | None:
    """After the same payee went to the same account ``LEARN_AFTER`` times, and no rule covers it: propose one."""
    payee_words = line.counterparty or line.description
    payee = normalise_payee(payee_words)
    if not payee or payee not in history or first_matching_rule(line, rules) is not None:
        return None
    (code, treatment), times = history[payee].most_common(1)[0]
    if times < LEARN_AFTER or code in (chart.ACCOUNTS_PAYABLE, chart.ACCOUNTS_RECEIVABLE):
        return None
    return RuleProposal(payee_words.strip(), code, treatment or VatTreatment.STANDARD, times)


# --- Suggestions -------------------------------------------------------------------


@dataclass
class SuggestionContext:
    """What ranking a page of lines needs, read once for the page."""

    items: list[OpenItem]
    journals: dict
    history: dict[str, Counter]
    rules: list[BankRule]


def suggestion_context(lines: Sequence[BankTransaction]) -> SuggestionContext:
    """Eight queries for any number of lines (open invoices 3, journals 2, history 2, rules 1)."""
    wanting = [ln for ln in lines if ln.status in (BankTransaction.Status.UNPOSTED,)]
    return SuggestionContext(
        items=open_items(wanting),
        journals=match_candidates(wanting),
        history=payee_history(),
        rules=active_bank_rules(),
    )


def _item_suggestion(line: BankTransaction, item: OpenItem) -> Suggestion:
    what = "invoice"
    noun = "bill" if item.kind == SuggestionKind.BILL else "sales invoice"
    who = "supplier" if item.kind == SuggestionKind.BILL else "customer"
    reasons = [f"same amount {format_money(abs(item.gross))}", _days_phrase(line.date, item.date, what)]
    score = 1000 - _date_penalty(line.date, item.date)
    alike = similarity(line.counterparty or line.description, item.party)
    if alike >= SIMILAR:
        reasons.append(f"payee ≈ {who} '{item.party}'")
    score += 100 * alike
    # The party is named once: in the reasons when the payee is like it, else in the label.
    bill = item.kind == SuggestionKind.BILL
    party = "" if alike >= SIMILAR else f" {'to' if bill else 'from'} {item.party}"
    label = f"{'Pay' if bill else 'Receipt for'} {noun} {item.number}{party}"
    return Suggestion(item.kind, str(item.entry_id), label, ", ".join(reasons), score)


def suggestions_for(line: BankTransaction, ctx: SuggestionContext) -> list[Suggestion]:
    """Ranked: exact-amount invoices and journals first (by date then payee), then a matching rule, then history."""
    if line.status != BankTransaction.Status.UNPOSTED:
        return []
    found: list[Suggestion] = [_item_suggestion(line, item) for item in ctx.items if item.gross == line.amount]
    for entry in ctx.journals.get(line.pk, []):
        when = _days_phrase(line.date, entry.date, "journal")
        reasons = f"same amount {format_money(abs(line.amount))} through the bank, {when}"
        found.append(
            Suggestion(
                SuggestionKind.JOURNAL,
                str(entry.pk),
                f"Match journal {entry.number}",
                reasons,
                990 - _date_penalty(line.date, entry.date),
            )
        )
    rule = first_matching_rule(line, ctx.rules)
    if rule is not None:
        found.append(
            Suggestion(
                SuggestionKind.RULE,
                str(rule.pk),
                f"Post to {rule.account_code} by rule '{rule.name}'",
                "the bank rule's conditions hold",
                800,
                rule.account_code,
                rule.vat_treatment,
            )
        )
    payee = normalise_payee(line.counterparty or line.description)
    if payee in ctx.history:
        (code, treatment), times = ctx.history[payee].most_common(1)[0]
        treatment = treatment or VatTreatment.STANDARD
        found.append(
            Suggestion(
                SuggestionKind.HISTORY,
                f"{code}:{treatment}",
                f"Post to {code} ({VatTreatment(treatment).label})",
                f"this payee was posted to {code} {times} time{'s' if times != 1 else ''} before",
                500 + times,
                code,
                treatment,
            )
        )
    found.sort(key=lambda s: -s.score)
    return found[:MAX_SUGGESTIONS]


def suggestions_by_line(lines: Sequence[BankTransaction]) -> tuple[dict, SuggestionContext]:
    ctx = suggestion_context(lines)
    return {ln.pk: suggestions_for(ln, ctx) for ln in lines}, ctx


# --- Statement balance ------------------------------------------------------------------


@dataclass(frozen=True)
class StatementCheck:
    as_of: date
    statement_balance: Decimal
    ledger_balance: Decimal
    not_in_books: Decimal  # the bank lines up to the date not posted, matched or ignored yet
    not_in_books_count: int

    @property
    def difference(self) -> Decimal:
        return self.statement_balance - self.ledger_balance

    @property
    def unexplained(self) -> Decimal:
        """What the lines still to handle do not account for: zero when the books agree with the bank."""
        return self.difference - self.not_in_books


def statement_check(*, as_of: date, statement_balance: Decimal, feed_account: str = "") -> StatementCheck:
    """The ledger's bank balance (090) at ``as_of`` against the statement's, and the lines that explain it."""
    moved = JournalLine.objects.filter(account__code=chart.BANK, entry__date__lte=as_of).aggregate(
        d=Sum("debit"), c=Sum("credit")
    )
    ledger = (moved["d"] or ZERO) - (moved["c"] or ZERO)
    pending = BankTransaction.objects.filter(_needs_posting(), date__lte=as_of)
    if feed_account:
        pending = pending.filter(feed_account_id=feed_account)
    totals = pending.aggregate(total=Sum("amount"), n=Count("pk"))
    return StatementCheck(as_of, statement_balance, ledger, totals["total"] or ZERO, totals["n"] or 0)


def invoice_entry(entry_id: uuid.UUID | str) -> JournalEntry | None:
    try:
        return JournalEntry.objects.filter(pk=uuid.UUID(str(entry_id))).first()
    except ValueError:
        return None
