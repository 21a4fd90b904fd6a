"""Import a business's bank-feed lines, and post the ones an active bank rule covers (decision 0040).

Why apart from ``bank``: importing talks to the bank over HTTP (before any write, so no transaction waits on
the bank) and is run by a task as well as by a person; posting, matching and ignoring a line are ``bank``'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import timezone

from apps.audit.services import record_event
from apps.integrations import bank_feed
from apps.ledger.domain import CENT, ZERO
from apps.ledger.errors import LedgerError
from apps.ledger.models import BankRule, BankTransaction
from apps.ledger.services.bank import BankLineError, post_bank_line
from apps.tenancy.context import tenant_context

# The feed answers at most 366 days at once; a first import looks back a year.
LOOK_BACK_DAYS = 365
# Later imports start a little before the newest line held, for lines the bank books late.
OVERLAP_DAYS = 7


@dataclass(frozen=True)
class SyncResult:
    accounts: list[str] = field(default_factory=list)
    imported: int = 0
    already_held: int = 0
    skipped: int = 0  # zero amounts or not in pounds: nothing to post
    by_rule: int = 0  # new lines an active bank rule posted (named on the line; decision 0040)

    @property
    def summary(self) -> str:
        if not self.accounts:
            return "The bank has no accounts for this business."
        text = f"{self.imported} new bank line(s) imported from {len(self.accounts)} account(s)"
        if self.already_held:
            text += f"; {self.already_held} were already here"
        if self.skipped:
            text += f"; {self.skipped} skipped (zero or not in pounds)"
        if self.by_rule:
            text += f"; {self.by_rule} posted by bank rules"
        return text + "."


def _window(latest: date | None, opened_on: date | None, today: date) -> tuple[date, date]:
    start = today - timedelta(days=LOOK_BACK_DAYS)
    if latest is not None:
        start = max(start, latest - timedelta(days=OVERLAP_DAYS))
    if opened_on is not None:
        start = max(start, opened_on)
    return min(start, today), today


def sync_bank_feed(*, tenant, actor=None) -> SyncResult:
    """Import new lines from every feed account of the business; re-running imports nothing twice.

    The HTTP calls happen before any write, so no transaction is held while the
    bank answers (from a task); integration errors propagate unchanged.
    """
    company_number = (tenant.company_number or "").strip()
    if not company_number:
        raise BankLineError("Add the business's Companies House number first: the bank feed finds accounts by it.")
    with tenant_context(tenant):
        latest = dict(_latest_dates())
    today = timezone.localdate()
    accounts = bank_feed.list_accounts(company_number=company_number)
    fetched: list[tuple[str, object]] = []
    for account in accounts:
        start, end = _window(latest.get(account.id), account.opened_on, today)
        statement = bank_feed.list_transactions(account.id, from_date=start, to_date=end)
        fetched.extend((account.id, item) for item in statement.transactions)

    now = timezone.now()
    with tenant_context(tenant):
        held = set(
            BankTransaction.objects.filter(feed_account_id__in=[a.id for a in accounts]).values_list(
                "feed_account_id", "external_id"
            )
        )
        new: list[BankTransaction] = []
        skipped = already = 0
        for account_id, item in fetched:
            key = (account_id, item.id)
            if key in held:
                already += 1
                continue
            if item.amount == ZERO or item.currency != "GBP" or item.amount != item.amount.quantize(CENT):
                skipped += 1
                continue
            held.add(key)
            new.append(
                BankTransaction(
                    tenant=tenant,
                    feed_account_id=account_id,
                    external_id=item.id[:100],
                    date=item.booking_date,
                    description=item.description[:255],
                    amount=item.amount,
                    counterparty=item.counterparty[:200],
                    imported_at=now,
                )
            )
        # ignore_conflicts: a concurrent import of the same lines inserts each once.
        BankTransaction.objects.bulk_create(new, ignore_conflicts=True)
        by_rule = apply_bank_rules(new, actor=actor)
        result = SyncResult([a.id for a in accounts], len(new), already, skipped, by_rule)
        record_event(
            "ledger.bank.synced",
            actor=actor,
            tenant_id=tenant.pk,
            extra={
                "accounts": result.accounts,
                "imported": result.imported,
                "already_held": result.already_held,
                "skipped": result.skipped,
                "by_rule": result.by_rule,
            },
            actor_label="" if actor else "Strongroom",
        )
    return result


def apply_bank_rules(lines: list[BankTransaction], *, actor=None) -> int:
    """Post each line the first matching active bank rule covers, each in its own transaction; how many.

    A line a rule cannot post (an inactive account since, a concurrent hand) stays for a person."""
    rules = list(BankRule.objects.filter(is_active=True).order_by("created_at"))
    posted = 0
    for line in lines if rules else []:
        rule = next((r for r in rules if r.matches(line)), None)
        if rule is None:
            continue
        try:
            post_bank_line(line=line, account_code=rule.account_code, vat_treatment=rule.vat_treatment,
                           actor=actor, rule=rule)  # fmt: skip
        except LedgerError:
            continue
        posted += 1
    return posted


def _latest_dates():
    from django.db.models import Max

    return (
        BankTransaction.objects.values("feed_account_id")
        .annotate(latest=Max("date"))
        .values_list("feed_account_id", "latest")
    )
