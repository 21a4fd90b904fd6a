"""Bank rules: payee contains / amount range -> account and VAT treatment; made from a line, applied on import.

Each service owns its transaction and audits. Applying a rule posts each line in
its own transaction (``services.bank_import.apply_bank_rules``); the line names its rule
and undo (``bank_reconcile.undo_bank_line``) reverses the posting. Decision 0040.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from apps.audit.services import record_event
from apps.ledger.domain import ZERO
from apps.ledger.models import BankRule, BankTransaction
from apps.ledger.services.bank import BankLineError, _chosen_account
from apps.ledger.services.bank_import import apply_bank_rules
from apps.ledger.services.context import tenant_id_in_context

# Lines a new rule is tried on at once (newest unposted first); the rest wait for the next import.
RULE_BACKFILL_LIMIT = 500


def _actor_or_none(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


@dataclass(frozen=True)
class RuleResult:
    rule: BankRule
    applied: int


def create_bank_rule(
    *,
    name: str,
    payee_contains: str,
    direction: str,
    amount_min: Decimal | None,
    amount_max: Decimal | None,
    account_code: str,
    vat_treatment: str,
    actor,
    apply_now: bool = True,
) -> RuleResult:
    """A bank rule, then (``apply_now``) posted to every unposted line it covers, newest first, each on its own."""
    tenant_id = tenant_id_in_context()
    name = (name or "").strip()[:100]
    payee = (payee_contains or "").strip()
    if direction not in BankRule.Direction.values:
        raise BankLineError("Say whether the rule is for money out or money in.")
    if not payee and amount_min is None and amount_max is None:
        raise BankLineError("Give the payee words or an amount range: a rule with no condition would post everything.")
    if len(payee) > 100:
        raise BankLineError("Keep the payee words to 100 characters.")
    for value in (amount_min, amount_max):
        if value is not None and value < ZERO:
            raise BankLineError("Amounts in a rule are sizes: give them without a minus sign.")
    if amount_min is not None and amount_max is not None and amount_min > amount_max:
        raise BankLineError("The smallest amount is larger than the largest.")
    with transaction.atomic():
        account = _chosen_account(account_code, vat_treatment)
        rule = BankRule.objects.create(
            tenant_id=tenant_id,
            name=name or f"{payee or 'Amount range'} → {account.code}",
            payee_contains=payee,
            direction=direction,
            amount_min=amount_min,
            amount_max=amount_max,
            account_code=account.code,
            vat_treatment=vat_treatment,
            created_by=_actor_or_none(actor),
        )
        record_event(
            "ledger.bank_rule.created",
            actor=actor,
            tenant_id=tenant_id,
            target=rule,
            after={
                "account_code": account.code,
                "vat_treatment": vat_treatment,
                "direction": direction,
                "amount_min": str(amount_min or ""),
                "amount_max": str(amount_max or ""),
                "payee_chars": len(payee),
            },  # the payee words are sealed on the rule
        )
    applied = 0
    if apply_now:
        waiting = BankTransaction.objects.filter(status=BankTransaction.Status.UNPOSTED).order_by("-date")
        applied = apply_bank_rules([ln for ln in waiting[:RULE_BACKFILL_LIMIT] if rule.matches(ln)], actor=actor)
    return RuleResult(rule, applied)


def deactivate_bank_rule(*, rule: BankRule, actor) -> BankRule:
    """Stop a rule posting new lines; what it posted stays (undo those one by one)."""
    tenant_id = tenant_id_in_context()
    with transaction.atomic():
        updated = BankRule.objects.filter(pk=rule.pk, is_active=True).update(is_active=False)
        if not updated:
            raise BankLineError("That bank rule is already off.")
        record_event("ledger.bank_rule.deactivated", actor=actor, tenant_id=tenant_id, target=rule)
    rule.refresh_from_db()
    return rule


__all__ = ["RULE_BACKFILL_LIMIT", "RuleResult", "create_bank_rule", "deactivate_bank_rule"]
