"""The one place journal entries are written: validate, number, insert. Callers own the audit event.

Why here and not in each service: balance, numbering and account checks must
be identical for documents, manual journals and reversals. PostgreSQL checks
balance again at commit (migration 0002); SQLite relies on this module.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction

from apps.ledger.domain import ZERO, VatTreatment, as_money
from apps.ledger.errors import AccountError, InvalidLineError, UnbalancedEntryError
from apps.ledger.models import Account, JournalCounter, JournalEntry, JournalLine


@dataclass(frozen=True)
class LineSpec:
    """One line to post: a positive amount on exactly one side."""

    account_code: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    description: str = ""
    vat_rate: Decimal | None = None
    vat_treatment: str = ""


def validate_lines(lines: Sequence[LineSpec]) -> list[LineSpec]:
    """Refuse anything the ledger must never hold; return the lines with amounts as two-place Decimals."""
    if len(lines) < 2:
        raise UnbalancedEntryError(f"A journal entry needs at least two lines; this one has {len(lines)}.")
    checked: list[LineSpec] = []
    for n, line in enumerate(lines, start=1):
        try:
            debit = as_money(line.debit, what=f"debit on line {n}")
            credit = as_money(line.credit, what=f"credit on line {n}")
        except ValueError as exc:
            raise InvalidLineError(str(exc)) from None
        if debit < 0 or credit < 0:
            raise InvalidLineError(f"Line {n} has a negative amount: put it on the other side instead.")
        if (debit > 0) == (credit > 0):
            raise InvalidLineError(f"Line {n} needs an amount on exactly one side, debit or credit.")
        if line.vat_treatment and line.vat_treatment not in VatTreatment.values:
            raise InvalidLineError(f"Line {n} has an unknown VAT treatment {line.vat_treatment!r}.")
        checked.append(LineSpec(line.account_code, debit, credit, line.description, line.vat_rate, line.vat_treatment))
    debits = sum((line.debit for line in checked), ZERO)
    credits = sum((line.credit for line in checked), ZERO)
    if debits != credits:
        raise UnbalancedEntryError(f"Debits {debits} and credits {credits} differ by {abs(debits - credits)}.")
    return checked


def locked_counter(tenant_id: uuid.UUID) -> JournalCounter:
    """The tenant's journal counter, locked until the transaction ends (posting queues per tenant)."""
    counter = JournalCounter.objects.select_for_update().filter(tenant_id=tenant_id).first()
    if counter is None:
        try:
            with transaction.atomic():
                JournalCounter.objects.create(tenant_id=tenant_id, last_number=0)
        except IntegrityError:  # created by a concurrent first posting
            pass
        counter = JournalCounter.objects.select_for_update().get(tenant_id=tenant_id)
    return counter


def accounts_for(codes: set[str], *, require_active: bool = True) -> dict[str, Account]:
    found = {a.code: a for a in Account.objects.filter(code__in=codes)}
    missing = sorted(codes - set(found))
    if missing:
        raise AccountError(f"Account {', '.join(missing)} does not exist in this business's chart of accounts.")
    if require_active:
        inactive = sorted(f"{a.code} {a.name}" for a in found.values() if not a.is_active)
        if inactive:
            raise AccountError(f"Account {', '.join(inactive)} is inactive: reactivate it or choose another.")
    return found


def write_entry(
    counter: JournalCounter,
    *,
    kind: str,
    entry_date: date,
    description: str,
    lines: Sequence[LineSpec],
    source_document_id: uuid.UUID | None = None,
    document_posting: int = 1,
    attachment_document_id: uuid.UUID | None = None,
    reverses: JournalEntry | None = None,
    explanation: str = "",
    actor=None,
    require_active: bool = True,
) -> JournalEntry:
    """Insert one balanced entry with the counter's next number. Call inside the transaction that locked it."""
    checked = validate_lines(lines)
    accounts = accounts_for({line.account_code for line in checked}, require_active=require_active)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    entry = JournalEntry.objects.create(
        tenant_id=counter.tenant_id,
        number=counter.last_number,
        date=entry_date,
        description=description[:255],
        source_document_id=source_document_id,
        document_posting=document_posting,
        attachment_document_id=attachment_document_id,
        kind=kind,
        reverses=reverses,
        explanation=explanation,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    JournalLine.objects.bulk_create(
        [
            JournalLine(
                tenant_id=counter.tenant_id,
                entry=entry,
                account=accounts[line.account_code],
                position=position,
                debit=line.debit,
                credit=line.credit,
                vat_rate=line.vat_rate,
                vat_treatment=line.vat_treatment,
                description=line.description[:255],
            )
            for position, line in enumerate(checked, start=1)
        ]
    )
    return entry


def lines_for_audit(entry: JournalEntry) -> list[dict[str, str]]:
    return [
        {"account": line.account.code, "debit": f"{line.debit:.2f}", "credit": f"{line.credit:.2f}"}
        for line in entry.lines.select_related("account").order_by("position")
    ]
