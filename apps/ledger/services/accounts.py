"""The chart of accounts: seeding, and the changes owners may make. Each change is audited.

All functions run inside ``tenant_context`` (the tenant comes from it).
System accounts (bank, receivables, payables, the VAT control accounts) may
be renamed but never deactivated or retyped: the posting conventions and the
VAT return depend on them.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.audit.services import record_event
from apps.ledger import chart
from apps.ledger.errors import AccountError
from apps.ledger.models import SYSTEM_ACCOUNT_CODES, Account, JournalCounter, JournalLine, validate_account_code
from apps.ledger.services.context import require_tenant, tenant_id_in_context

ACCOUNT_TYPES = frozenset(t.value for t in chart.AccountType)


def _snapshot(account: Account) -> dict:
    # "account", not "code": the audit log masks keys that contain "code".
    return {"account": account.code, "name": account.name, "type": account.type, "is_active": account.is_active}


def seed_chart_of_accounts(tenant, *, actor=None) -> list[Account]:
    """Create the default chart's missing accounts and the journal counter; return what was created.

    Idempotent: existing accounts (perhaps renamed by the owner) are left as
    they are, except that system accounts are always marked as such.
    """
    require_tenant(tenant)
    with transaction.atomic():
        existing = set(Account.objects.values_list("code", flat=True))
        created = Account.objects.bulk_create(
            [
                Account(
                    tenant_id=tenant.pk,
                    code=spec.code,
                    name=spec.name,
                    type=spec.type.value,
                    vat_control=spec.vat_control.value if spec.vat_control else "",
                    is_system=spec.code in SYSTEM_ACCOUNT_CODES,
                )
                for spec in chart.DEFAULT_CHART
                if spec.code not in existing
            ]
        )
        Account.objects.filter(code__in=SYSTEM_ACCOUNT_CODES, is_system=False).update(is_system=True, is_active=True)
        if not JournalCounter.objects.exists():
            JournalCounter.objects.create(tenant_id=tenant.pk, last_number=0)
        if created:
            record_event(
                "ledger.chart.seeded",
                actor=actor,
                tenant_id=tenant.pk,
                after={"accounts": [a.code for a in created]},
                actor_label="" if actor else "Strongroom",
            )
    return created


def _locked(account: Account) -> Account:
    return Account.objects.select_for_update().get(pk=account.pk)


def create_account(*, code: str, name: str, type: str, actor) -> Account:
    """Add an account to the chart (owners). Codes are unique per business."""
    tenant_id = tenant_id_in_context()
    code, name = (code or "").strip(), (name or "").strip()
    try:
        validate_account_code(code)
    except ValidationError as exc:
        raise AccountError(" ".join(exc.messages)) from None
    if not name:
        raise AccountError("Give the account a name.")
    if type not in ACCOUNT_TYPES:
        raise AccountError(f"{type!r} is not an account type.")
    with transaction.atomic():
        clash = Account.objects.filter(code=code).first()
        if clash is not None:
            raise AccountError(f"Code {code} is already used by {clash.name}.")
        account = Account.objects.create(tenant_id=tenant_id, code=code, name=name, type=type)
        record_event(
            "ledger.account.created", actor=actor, tenant_id=tenant_id, target=account, after=_snapshot(account)
        )
    return account


def _change(account: Account, verb: str, *, actor, **fields) -> None:
    """Save the changed fields and audit before and after, inside the caller's transaction."""
    before = _snapshot(account)
    for name, value in fields.items():
        setattr(account, name, value)
    account.save(update_fields=[*fields, "updated_at"])
    record_event(
        f"ledger.account.{verb}",
        actor=actor,
        tenant_id=account.tenant_id,
        target=account,
        before=before,
        after=_snapshot(account),
    )


def rename_account(*, account: Account, name: str, actor) -> Account:
    name = (name or "").strip()
    if not name:
        raise AccountError("Give the account a name.")
    with transaction.atomic():
        account = _locked(account)
        if account.name == name:
            return account
        _change(account, "renamed", actor=actor, name=name)
    return account


def deactivate_account(*, account: Account, actor) -> Account:
    """Hide an account from new postings; its history stays. System accounts refuse."""
    with transaction.atomic():
        account = _locked(account)
        if account.is_system:
            raise AccountError(f"{account.code} {account.name} is a system account: it cannot be deactivated.")
        if not account.is_active:
            return account
        _change(account, "deactivated", actor=actor, is_active=False)
    return account


def reactivate_account(*, account: Account, actor) -> Account:
    with transaction.atomic():
        account = _locked(account)
        if account.is_active:
            return account
        _change(account, "reactivated", actor=actor, is_active=True)
    return account


def change_account_type(*, account: Account, type: str, actor) -> Account:
    """Retype an account that has no postings yet. System accounts refuse."""
    if type not in ACCOUNT_TYPES:
        raise AccountError(f"{type!r} is not an account type.")
    with transaction.atomic():
        account = _locked(account)
        if account.is_system:
            raise AccountError(f"{account.code} {account.name} is a system account: its type cannot change.")
        if account.type == type:
            return account
        if JournalLine.objects.filter(account=account).exists():
            raise AccountError(
                f"{account.code} {account.name} already has postings: open a new account of the right type instead."
            )
        _change(account, "retyped", actor=actor, type=type)
    return account
