"""Reconciling bank lines: pay a bill or receive an invoice, accept a suggestion, split, undo.

Each service owns its transaction and audits, like ``services.bank``. Settling
an invoice posts the payment through the control account (Dr 800 / Cr 090 for
a bill, Dr 090 / Cr 610 for a sales invoice) and records a ``BankSettlement``:
an invoice is open while no standing payment settles it; undoing the payment
(its reversal) reopens it. Decision 0040.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from apps.audit.services import record_event
from apps.ledger import bank_selectors, chart
from apps.ledger.bank_selectors import SuggestionKind
from apps.ledger.domain import ZERO, EntryKind, VatTreatment, as_money, format_money
from apps.ledger.models import Account, BankRule, BankSettlement, BankTransaction, JournalEntry, JournalLine
from apps.ledger.services.bank import (
    BankLineError,
    _chosen_account,
    _handled,
    _line_summary,
    _locked_unposted,
    match_bank_line,
    post_bank_line,
    record_posting,
    split_vat,
)
from apps.ledger.services.context import tenant_id_in_context
from apps.ledger.services.journal import LineSpec, locked_counter, write_entry
from apps.ledger.services.posting import reverse_entry

MAX_SPLIT_PARTS = 10


def _actor_or_none(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _bank_words(line: BankTransaction) -> str:
    return f"Bank: {line.description}"[:255]


# --- Settling invoices ---------------------------------------------------------------


def _control_line(invoice: JournalEntry) -> JournalLine | None:
    """The line that makes it owed: Cr 800 on a purchase invoice, Dr 610 on a sales invoice."""
    if invoice.kind == EntryKind.PURCHASE:
        return invoice.lines.filter(account__code=chart.ACCOUNTS_PAYABLE, credit__gt=0).first()
    if invoice.kind == EntryKind.SALES:
        return invoice.lines.filter(account__code=chart.ACCOUNTS_RECEIVABLE, debit__gt=0).first()
    return None


def settle_invoice(*, line: BankTransaction, invoice: JournalEntry, actor) -> JournalEntry:
    """Post the line as the payment of an open bill (or receipt of an open sales invoice) of the same amount."""
    tenant_id = tenant_id_in_context()
    with transaction.atomic():
        # Every posting locks the counter first: the "still open?" check below cannot race another payment.
        counter = locked_counter(tenant_id)
        current = _locked_unposted(line)
        target = JournalEntry.objects.filter(pk=invoice.pk).first()
        control = _control_line(target) if target is not None else None
        if control is None:
            raise BankLineError("That is not a bill or a sales invoice of this business.")
        if target.reversals.exists():
            raise BankLineError(f"Journal {target.number} was reversed: nothing is owed on it.")
        if BankSettlement.objects.filter(invoice=target, payment__reversals__isnull=True).exists():
            raise BankLineError(f"Journal {target.number} is already paid.")
        bill = target.kind == EntryKind.PURCHASE
        gross = control.credit if bill else control.debit
        if current.amount != (-gross if bill else gross):
            raise BankLineError(
                f"Journal {target.number} is {'a bill' if bill else 'an invoice'} of {format_money(gross)}; "
                f"this line is {format_money(current.amount)}: split the line or post it instead."
            )
        party = control.description or ("Supplier" if bill else "Customer")
        scope = VatTreatment.OUTSIDE_SCOPE  # the VAT was on the invoice; settling it carries none
        if bill:
            specs = [
                LineSpec(chart.ACCOUNTS_PAYABLE, debit=gross, description=party, vat_treatment=scope),
                LineSpec(chart.BANK, credit=gross, description=_bank_words(current)),
            ]
            words = f"Payment of bill (journal {target.number}) to {party}"
        else:
            specs = [
                LineSpec(chart.BANK, debit=gross, description=_bank_words(current)),
                LineSpec(chart.ACCOUNTS_RECEIVABLE, credit=gross, description=party, vat_treatment=scope),
            ]
            words = f"Receipt for sales invoice (journal {target.number}) from {party}"
        entry = write_entry(
            counter,
            kind=EntryKind.BANK,
            entry_date=current.date,
            description=words,
            lines=specs,
            explanation=f"Bank line of {format_money(current.amount)} settles journal {target.number}.",
            actor=actor,
        )
        BankSettlement.objects.create(
            tenant_id=tenant_id,
            bank_line=current,
            invoice=target,
            payment=entry,
            amount=gross,
            created_by=_actor_or_none(actor),
        )
        extra = {"invoice": target.number, "invoice_kind": target.kind}
        record_posting(current, entry, actor=actor, event="ledger.bank.settled", extra=extra)
    line.refresh_from_db()
    return entry


# --- Accepting a suggestion -----------------------------------------------------------


def accept_suggestion(*, line: BankTransaction, kind: str, ref: str, actor) -> str:
    """Do what a suggestion offered; returns what happened, in words. Refusals are ``BankLineError``."""
    if kind in (SuggestionKind.BILL, SuggestionKind.INVOICE, SuggestionKind.JOURNAL):
        target = bank_selectors.invoice_entry(ref)
        if target is None:
            raise BankLineError("That journal entry does not exist in this business.")
        if kind == SuggestionKind.JOURNAL:
            match_bank_line(line=line, entry=target, actor=actor)
            return f"Matched to journal {target.number}."
        entry = settle_invoice(line=line, invoice=target, actor=actor)
        return f"Posted as journal {entry.number}, settling journal {target.number}."
    if kind == SuggestionKind.RULE:
        rule = _rule_or_error(ref)
        if not rule.is_active or not rule.matches(line):
            raise BankLineError(f"The bank rule '{rule.name}' does not cover this line.")
        entry = post_bank_line(
            line=line, account_code=rule.account_code, vat_treatment=rule.vat_treatment, actor=actor, rule=rule
        )
        return f"Posted as journal {entry.number} by rule '{rule.name}'."
    if kind == SuggestionKind.HISTORY:
        code, _, treatment = (ref or "").partition(":")
        entry = post_bank_line(line=line, account_code=code, vat_treatment=treatment, actor=actor)
        return f"Posted to {code} as journal {entry.number}."
    raise BankLineError("That is not a suggestion this page offers.")


def _rule_or_error(ref: str) -> BankRule:
    try:
        rule = BankRule.objects.filter(pk=uuid.UUID(str(ref))).first()
    except ValueError:
        rule = None
    if rule is None:
        raise BankLineError("That bank rule does not exist in this business.")
    return rule


# --- Split --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SplitPart:
    account_code: str
    amount: Decimal  # the part's gross, positive
    vat_treatment: str


def _split_specs(line: BankTransaction, parts: Sequence[tuple[Account, Decimal, str]]) -> list[LineSpec]:
    """One net line per part; the VAT of all parts on one line per VAT account; the bank for the whole."""
    gross = abs(line.amount)
    words = line.counterparty or line.description or "Bank line"
    money_in = line.is_money_in
    specs: list[LineSpec] = []
    vat_totals: dict[str, Decimal] = {}
    for account, amount, treatment in parts:
        net, vat, rate = split_vat(amount, treatment)
        side = {"credit": net} if money_in else {"debit": net}
        specs.append(LineSpec(account.code, description=words, vat_rate=rate, vat_treatment=treatment, **side))
        vat_account = chart.VAT_OUTPUT if account.type == chart.AccountType.INCOME else chart.VAT_INPUT
        vat_totals[vat_account] = vat_totals.get(vat_account, ZERO) + vat
    for code, vat in vat_totals.items():
        specs.append(LineSpec(code, description="VAT", **({"credit": vat} if money_in else {"debit": vat})))
    bank = LineSpec(chart.BANK, description=_bank_words(line), **({"debit": gross} if money_in else {"credit": gross}))
    specs = [s for s in specs if s.debit or s.credit]
    return [bank, *specs] if money_in else [*specs, bank]


def split_bank_line(*, line: BankTransaction, parts: Sequence[SplitPart], actor) -> JournalEntry:
    """Post one line across several accounts; the parts must add up to the line exactly. One entry, or nothing."""
    tenant_id = tenant_id_in_context()
    if not 2 <= len(parts) <= MAX_SPLIT_PARTS:
        raise BankLineError(f"A split needs between 2 and {MAX_SPLIT_PARTS} parts; this one has {len(parts)}.")
    amounts = []
    for n, part in enumerate(parts, start=1):
        try:
            amount = as_money(part.amount, what=f"amount of part {n}")
        except ValueError as exc:
            raise BankLineError(str(exc)) from None
        if amount <= ZERO:
            raise BankLineError(f"Part {n} needs an amount above £0.00 (the line's direction is applied for you).")
        amounts.append(amount)
    with transaction.atomic():
        counter = locked_counter(tenant_id)
        current = _locked_unposted(line)
        gross = abs(current.amount)
        total = sum(amounts, ZERO)
        if total != gross:
            gap = "short" if total < gross else "over"
            raise BankLineError(
                f"The parts add up to {format_money(total)}; the line is {format_money(gross)} "
                f"({format_money(abs(gross - total))} {gap})."
            )
        chosen = [
            (_chosen_account(part.account_code, part.vat_treatment), amount, part.vat_treatment)
            for part, amount in zip(parts, amounts, strict=True)
        ]
        entry = write_entry(
            counter,
            kind=EntryKind.BANK,
            entry_date=current.date,
            description=f"{'Money in' if current.is_money_in else 'Money out'} (split): "
            f"{current.description or current.counterparty}",
            lines=_split_specs(current, chosen),
            explanation=f"Bank line of {format_money(current.amount)} split across "
            + ", ".join(f"{a.code} {format_money(m)}" for a, m, _ in chosen)
            + ".",
            actor=actor,
        )
        extra = {"parts": [{"account": a.code, "amount": f"{m:.2f}", "vat": t} for a, m, t in chosen]}
        record_posting(current, entry, actor=actor, event="ledger.bank.split", extra=extra)
    line.refresh_from_db()
    return entry


# --- Undo -------------------------------------------------------------------------------------


def undo_bank_line(*, line: BankTransaction, actor) -> BankTransaction:
    """Put a posted or matched line back to unposted: a posting the bank page made is reversed, a match unlinked.

    A settled invoice is open again (its payment stands no more). An entry the line was only matched to is left
    as it is: it was in the ledger before the line."""
    tenant_id = tenant_id_in_context()
    with transaction.atomic():
        current = BankTransaction.objects.select_for_update().filter(pk=line.pk).first()
        if current is None or current.status not in (BankTransaction.Status.POSTED, BankTransaction.Status.MATCHED):
            raise BankLineError("Only a posted or matched bank line can be undone.")
        entry = current.journal_entry
        before = _line_summary(current) | {"entry": entry.number, "rule_id": str(current.rule_id or "")}
        reversal = None
        if current.status == BankTransaction.Status.POSTED and not entry.reversals.exists():
            reversal = reverse_entry(entry=entry, actor=actor, reason="Undone on the bank page")
        _handled(current, actor, status=BankTransaction.Status.UNPOSTED, journal_entry=None, rule=None)
        record_event(
            "ledger.bank.undone",
            actor=actor,
            tenant_id=tenant_id,
            target=current,
            before=before,
            after=_line_summary(current) | {"reversal": reversal.number if reversal else None},
        )
    return current


__all__ = [
    "SplitPart",
    "accept_suggestion",
    "settle_invoice",
    "split_bank_line",
    "undo_bank_line",
]
