"""Writes to the ledger. Import from here: ``from apps.ledger import services``.

Every function runs inside ``tenant_context`` and owns its transaction; those
that change money, accounts or rules record an audit event.
"""

from apps.ledger.services.accounts import (
    change_account_type,
    create_account,
    deactivate_account,
    reactivate_account,
    rename_account,
    seed_chart_of_accounts,
)
from apps.ledger.services.journal import LineSpec
from apps.ledger.services.posting import post_document, post_manual_entry, reverse_entry
from apps.ledger.services.rules import classify_for_tenant, confidence_threshold, learn_from_correction

__all__ = [
    "LineSpec",
    "change_account_type",
    "classify_for_tenant",
    "confidence_threshold",
    "create_account",
    "deactivate_account",
    "learn_from_correction",
    "post_document",
    "post_manual_entry",
    "reactivate_account",
    "rename_account",
    "reverse_entry",
    "seed_chart_of_accounts",
]
