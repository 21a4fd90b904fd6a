"""The ledger's to-do for the home page and the portfolio: bank lines not in the books yet (decision 0042)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from django.db import connection
from django.db.models import Exists, OuterRef
from django.urls import reverse

from apps.core.definer import call_member_function
from apps.ledger.models import BankTransaction, JournalEntry
from apps.portal.todos import Business, Cell, Column, Todo, TodoSource
from apps.tenancy.context import tenant_context

FUNCTION = "strongroom_portfolio_bank"
FUNCTION_RETURNS = "tenant_id uuid, unposted bigint"
# The bank page's "not posted" count (ledger.selectors.bank_line_counts): unposted lines plus posted or matched
# ones whose entry was reversed since; two disjoint sets, so a sum and an EXISTS (decision 0035).
FUNCTION_BODY = (
    "SELECT t, (SELECT count(*) FROM ledger_banktransaction b WHERE b.tenant_id = t AND b.status = 'unposted')"
    " + (SELECT count(*) FROM ledger_banktransaction b WHERE b.tenant_id = t AND b.status IN ('posted', 'matched')"
    " AND EXISTS (SELECT 1 FROM ledger_journalentry e WHERE e.tenant_id = t AND e.reverses_id = b.journal_entry_id))"
)


def unposted_bank_line_count() -> int:
    """Lines the bank page lists as "not posted", in the current business: two counts, no join over every line."""
    reversed_entry = JournalEntry.objects.filter(reverses=OuterRef("journal_entry_id"))
    handled = (BankTransaction.Status.POSTED, BankTransaction.Status.MATCHED)
    return (
        BankTransaction.objects.filter(status=BankTransaction.Status.UNPOSTED).count()
        + BankTransaction.objects.filter(Exists(reversed_entry), status__in=handled).count()
    )


def _bank_url(slug: str) -> str:
    return f"{reverse('ledger:bank', args=[slug])}?status=unposted"


def todos(business: Business) -> list[Todo]:
    n = unposted_bank_line_count()
    label = f"{n:,} bank line{'' if n == 1 else 's'} not posted"
    return [Todo("ledger.bank", label, _bank_url(business.slug), count=n, needs_action=n > 0,
                 level="warning" if n else "info")]  # fmt: skip


def portfolio(user, businesses: Sequence[Business]) -> dict[uuid.UUID, dict[str, Cell]]:
    if connection.vendor == "postgresql":
        counts = dict(call_member_function(FUNCTION, user.pk, [b.id for b in businesses]))
    else:
        counts = {}
        for business in businesses:  # the embedded demo (SQLite)
            with tenant_context(business.id):
                counts[business.id] = unposted_bank_line_count()
    by_id = {b.id: b for b in businesses}
    return {
        business_id: {
            "ledger.bank": Cell(f"{n:,}", _bank_url(by_id[business_id].slug), risk=n, level="warning" if n else "")
        }
        for business_id, n in counts.items()
    }


SOURCE = TodoSource(
    key="ledger", order=20, columns=(Column("ledger.bank", "Bank lines to post", risk_rank=50),),
    todos=todos, portfolio=portfolio,
)  # fmt: skip
