"""Bank-feed lines: post, match or ignore each one (``bank_import`` brings them in). Each service owns its
transaction and audits.

Why lines are imported rather than posted on arrival: the bank says how much
moved, not what for. A person chooses the account and VAT treatment (post),
links the line to an entry that already moved the bank (match), or says why
it does not belong in the books (ignore). Until then the line is "unposted"
and blocks VAT approval for its period.

Posting conventions (amounts from the bank are VAT-inclusive):
money out: Dr chosen account net, Dr 820 VAT, Cr 090 gross;
money in: Dr 090 gross, Cr chosen account net, Cr 821 VAT.
VAT is the VAT fraction of the gross (1/6 standard, 1/21 reduced) rounded
half-up to the penny; zero, exempt and outside the scope carry none. Paying a
supplier invoice already posted through payables is a settlement: post it to
800 (or 610 for a customer's payment) outside the scope of VAT.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from apps.audit.services import record_event
from apps.ledger import chart
from apps.ledger.domain import (
    CENT,
    REDUCED_RATE,
    STANDARD_RATE,
    ZERO,
    ZERO_RATE,
    EntryKind,
    VatTreatment,
    as_money,
    format_money,
)
from apps.ledger.errors import LedgerError
from apps.ledger.models import Account, BankRule, BankTransaction, JournalEntry, JournalLine
from apps.ledger.services.context import tenant_id_in_context
from apps.ledger.services.journal import LineSpec, lines_for_audit, locked_counter, write_entry

SETTLEMENT_ACCOUNTS = frozenset({chart.ACCOUNTS_PAYABLE, chart.ACCOUNTS_RECEIVABLE})
# Never the chosen side of a bank line: the bank itself and the VAT control accounts (VAT is split out here).
REFUSED_ACCOUNTS = frozenset({chart.BANK, chart.VAT_INPUT, chart.VAT_OUTPUT})
POSTABLE_TREATMENTS = (
    VatTreatment.STANDARD,
    VatTreatment.REDUCED,
    VatTreatment.ZERO,
    VatTreatment.EXEMPT,
    VatTreatment.OUTSIDE_SCOPE,
)
VAT_FRACTIONS = {
    VatTreatment.STANDARD: (Decimal(6), STANDARD_RATE),
    VatTreatment.REDUCED: (Decimal(21), REDUCED_RATE),
}


class BankLineError(LedgerError):
    """A bank line cannot be imported, posted, matched or ignored as asked; nothing was written."""

    code = "bank_line_refused"


# --- Post, match, ignore --------------------------------------------------


def _locked_unposted(line: BankTransaction) -> BankTransaction:
    """The line, locked, if it still needs handling: unposted, or its entry has since been reversed."""
    current = BankTransaction.objects.select_for_update().filter(pk=line.pk).first()
    if current is None:
        raise BankLineError("That bank line does not exist in this business.")
    if current.journal_entry_id and current.journal_entry.reversals.exists():
        return current  # the books no longer hold it: it may be posted or matched again
    if current.status != BankTransaction.Status.UNPOSTED:
        entry = f" (journal {current.journal_entry.number})" if current.journal_entry_id else ""
        raise BankLineError(f"This bank line is already {current.get_status_display().lower()}{entry}.")
    return current


def split_vat(gross: Decimal, vat_treatment: str) -> tuple[Decimal, Decimal, Decimal | None]:
    """(net, VAT, rate) of a VAT-inclusive gross: the VAT fraction rounded half-up to the penny."""
    if vat_treatment in VAT_FRACTIONS:
        divisor, rate = VAT_FRACTIONS[vat_treatment]
        vat = (gross / divisor).quantize(CENT, rounding=ROUND_HALF_UP)
        return gross - vat, vat, rate
    return gross, ZERO, ZERO_RATE if vat_treatment == VatTreatment.ZERO else None


def _chosen_account(account_code: str, vat_treatment: str) -> Account:
    code = (account_code or "").strip()
    if vat_treatment not in POSTABLE_TREATMENTS:
        raise BankLineError("Choose the VAT treatment: standard, reduced, zero, exempt or outside the scope.")
    if not code:
        raise BankLineError("Choose the account to post the bank line to.")
    if code in REFUSED_ACCOUNTS:
        raise BankLineError(
            f"Account {code} is a control account: choose an income, expense or other account "
            f"(the bank side and the VAT are posted for you)."
        )
    account = Account.objects.filter(code=code).first()
    if account is None:
        raise BankLineError(f"Account {code} does not exist in this business's chart of accounts.")
    if not account.is_active:
        raise BankLineError(f"Account {account} is inactive: reactivate it or choose another.")
    if account.vat_control:
        raise BankLineError(f"Account {account} is a VAT control account: choose another.")
    if code in SETTLEMENT_ACCOUNTS and vat_treatment != VatTreatment.OUTSIDE_SCOPE:
        raise BankLineError(
            f"Settling {account} carries no VAT (it was on the invoice): choose 'outside the scope of VAT'."
        )
    return account


def _line_specs(line: BankTransaction, account: Account, vat_treatment: str) -> list[LineSpec]:
    """The entry's lines. VAT follows the account: output (821) for income, input (820) otherwise,
    so a supplier's refund reduces input VAT rather than adding output VAT."""
    gross = abs(line.amount)
    net, vat, rate = split_vat(gross, vat_treatment)
    vat_account = chart.VAT_OUTPUT if account.type == chart.AccountType.INCOME else chart.VAT_INPUT
    words = line.counterparty or line.description or "Bank line"
    bank_words = f"Bank: {line.description}"[:255]
    if line.is_money_in:
        specs = [
            LineSpec(chart.BANK, debit=gross, description=bank_words),
            LineSpec(account.code, credit=net, description=words, vat_rate=rate, vat_treatment=vat_treatment),
            LineSpec(vat_account, credit=vat, description="VAT"),
        ]
    else:
        specs = [
            LineSpec(account.code, debit=net, description=words, vat_rate=rate, vat_treatment=vat_treatment),
            LineSpec(vat_account, debit=vat, description="VAT"),
            LineSpec(chart.BANK, credit=gross, description=bank_words),
        ]
    return [s for s in specs if s.debit or s.credit]


def _handled(line: BankTransaction, actor, **changes) -> None:
    for name, value in changes.items():
        setattr(line, name, value)
    line.handled_by = actor if getattr(actor, "is_authenticated", False) else None
    line.handled_at = timezone.now()
    line.save(update_fields=[*changes, "handled_by", "handled_at"])


def _line_summary(line: BankTransaction) -> dict:
    return {
        "account": line.feed_account_id,
        "line": line.external_id,
        "date": line.date.isoformat(),
        "amount": f"{line.amount:.2f}",
        "status": line.status,
    }


def record_posting(
    current: BankTransaction, entry: JournalEntry, *, actor, event: str, extra: dict, rule: BankRule | None = None
) -> None:
    """Mark the locked line posted to ``entry`` and audit it: the line before and after, with the entry's lines.

    One place for what posting, splitting and settling a line write, so their audit trails cannot drift."""
    before = _line_summary(current)
    _handled(current, actor, status=BankTransaction.Status.POSTED, journal_entry=entry, rule=rule)
    record_event(
        event,
        actor=actor,
        tenant_id=current.tenant_id,
        target=current,
        before=before,
        after=_line_summary(current) | {"entry": entry.number, "lines": lines_for_audit(entry)},
        extra=extra,
        actor_label="" if getattr(actor, "is_authenticated", False) else "Strongroom",
    )


def post_bank_line(
    *, line: BankTransaction, account_code: str, vat_treatment: str, actor, rule: BankRule | None = None
) -> JournalEntry:
    """Post an unposted line to ``account_code`` with the VAT split out; returns the new entry.

    ``rule``: the bank rule that chose the account, named on the line (its posting can be undone)."""
    tenant_id = tenant_id_in_context()
    try:
        amount = as_money(line.amount, what="bank amount")
    except ValueError as exc:
        raise BankLineError(str(exc)) from None
    if amount == ZERO:
        raise BankLineError("A bank line of £0.00 has nothing to post.")
    with transaction.atomic():
        account = _chosen_account(account_code, vat_treatment)
        counter = locked_counter(tenant_id)
        current = _locked_unposted(line)
        direction = "Money in" if current.is_money_in else "Money out"
        entry = write_entry(
            counter,
            kind=EntryKind.BANK,
            entry_date=current.date,
            description=f"{direction}: {current.description or current.counterparty}",
            lines=_line_specs(current, account, vat_treatment),
            explanation=(
                f"Bank line of {format_money(current.amount)} posted to {account} "
                f"({VatTreatment(vat_treatment).label})."
            ),
            actor=actor,
        )
        extra = {"account_code": account.code, "vat_treatment": vat_treatment, "rule_id": str(rule.pk) if rule else ""}
        record_posting(current, entry, actor=actor, event="ledger.bank.posted", extra=extra, rule=rule)
    line.refresh_from_db()
    return entry


def bank_movement(entry: JournalEntry) -> Decimal:
    """What the entry moved through the bank account 090: debits less credits (money in positive)."""
    total = ZERO
    for ln in JournalLine.objects.filter(entry=entry, account__code=chart.BANK):
        total += ln.debit - ln.credit
    return total


def match_bank_line(*, line: BankTransaction, entry: JournalEntry, actor) -> BankTransaction:
    """Link an unposted line to an entry already in the ledger that moved the bank by the same amount.

    Only the link is recorded: the entry already holds the money. An entry
    that is a reversal, was reversed, or is linked to another line is refused.
    """
    tenant_id = tenant_id_in_context()
    with transaction.atomic():
        current = _locked_unposted(line)
        target = JournalEntry.objects.filter(pk=entry.pk).first()
        if target is None:
            raise BankLineError("That journal entry does not exist in this business.")
        if target.kind == EntryKind.REVERSAL or target.reversals.exists():
            raise BankLineError(f"Journal {target.number} is reversed or a reversal: match the line to another entry.")
        taken = BankTransaction.objects.filter(journal_entry=target).exclude(pk=current.pk).first()
        if taken is not None:
            raise BankLineError(f"Journal {target.number} is already linked to the bank line of {taken.date:%d %b %Y}.")
        moved = bank_movement(target)
        if moved == ZERO:
            raise BankLineError(
                f"Journal {target.number} does not touch the bank account {chart.BANK}: post the line instead "
                f"(to settle an invoice, post it to {chart.ACCOUNTS_PAYABLE} or {chart.ACCOUNTS_RECEIVABLE})."
            )
        if moved != current.amount:
            raise BankLineError(
                f"Journal {target.number} moved {format_money(moved)} through the bank; "
                f"this line is {format_money(current.amount)}."
            )
        before = _line_summary(current)
        _handled(current, actor, status=BankTransaction.Status.MATCHED, journal_entry=target)
        record_event(
            "ledger.bank.matched",
            actor=actor,
            tenant_id=tenant_id,
            target=current,
            before=before,
            after=_line_summary(current) | {"entry": target.number},
        )
    return current


def ignore_bank_line(*, line: BankTransaction, reason: str, actor) -> BankTransaction:
    """Mark a line as not for the books (e.g. a transfer already recorded elsewhere), with the reason."""
    tenant_id = tenant_id_in_context()
    reason = (reason or "").strip()
    if not reason:
        raise BankLineError("Say why the bank line is ignored.")
    if len(reason) > 200:
        raise BankLineError("Keep the reason to 200 characters.")
    with transaction.atomic():
        current = _locked_unposted(line)
        before = _line_summary(current)
        _handled(current, actor, status=BankTransaction.Status.IGNORED, ignored_reason=reason, journal_entry=None)
        record_event(
            "ledger.bank.ignored",
            actor=actor,
            tenant_id=tenant_id,
            target=current,
            before=before,
            after=_line_summary(current),
            extra={"reason_chars": len(reason)},  # the reason is sealed on the line; no free text in the chain
        )
    return current


def restore_bank_line(*, line: BankTransaction, actor) -> BankTransaction:
    """Put an ignored line back to unposted (ignoring was a mistake). Posted lines are undone by reversal."""
    tenant_id = tenant_id_in_context()
    with transaction.atomic():
        current = BankTransaction.objects.select_for_update().filter(pk=line.pk).first()
        if current is None or current.status != BankTransaction.Status.IGNORED:
            raise BankLineError("Only an ignored bank line can be restored.")
        before = _line_summary(current) | {"reason_chars": len(current.ignored_reason)}
        _handled(current, actor, status=BankTransaction.Status.UNPOSTED, ignored_reason="")
        record_event(
            "ledger.bank.restored", actor=actor, tenant_id=tenant_id, target=current, before=before,
            after=_line_summary(current),
        )  # fmt: skip
    return current


__all__ = [
    "BankLineError",
    "ignore_bank_line",
    "match_bank_line",
    "post_bank_line",
    "restore_bank_line",
    "split_vat",
]
