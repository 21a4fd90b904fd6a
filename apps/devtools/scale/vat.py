"""A business's VAT periods: quarters up to the last one that ended; all filed but that one, which is open.

The filed returns are frozen by the product's own box rules (``boxes.compute_boxes`` over the period's
journal lines, kept in memory from the seeding: every posting here is timely, so a period takes exactly the
lines dated in it; each line claimed in ``VatReturnLine``) and carry a receipt, as a submission would have
left them; the staff control tower's projection is refreshed by ``refresh_overview``. The open period has an
obligation and no return yet: its page computes from the ledger, which is what the benchmark measures.
"""

from __future__ import annotations

import calendar
import hashlib
from datetime import date, datetime, timedelta

from django.utils import timezone

from apps.filing.boxes import LedgerLine, compute_boxes
from apps.filing.domain import QUARTER_END_MONTHS, ReturnStatus, Stagger
from apps.filing.models import SubmissionAttempt, VatObligation, VatReturn, VatReturnLine
from apps.filing.services.obligations import vrn_of
from apps.filing.services.overview import refresh_overview
from apps.filing.services.vat_settings import save_vat_settings
from apps.ledger.chart import DEFAULT_CHART
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Tenant

from .bulk import copy_insert
from .history import Made
from .writer import entry_numbers, line_id


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def quarters(today: date, count: int) -> tuple[str, list[tuple[date, date]]]:
    """The stagger whose last quarter ended most recently before ``today``, and its last ``count`` quarters."""
    last_end = _add_months(today.replace(day=1), -1)
    last_end = _month_end(last_end.year, last_end.month)
    stagger = next(s for s, months in QUARTER_END_MONTHS.items() if last_end.month in months)
    periods = []
    end = last_end
    for _ in range(count):
        start = _add_months(end.replace(day=1), -2)
        periods.append((start, end))
        previous = _add_months(start, -1)
        end = _month_end(previous.year, previous.month)
    return stagger, list(reversed(periods))


def _bundle_number(slug: str, index: int) -> str:
    return f"{int(hashlib.sha256(f'{slug}:{index}'.encode()).hexdigest(), 16) % 10**12:012d}"


def _period_key(start: date) -> str:
    return f"{start:%y}A{(start.month - 1) // 3 + 1}"


def ledger_lines(made: list[Made]) -> list[LedgerLine]:
    """Every posted line as the box rules see it (account type and VAT control from the default chart)."""
    specs = {a.code: a for a in DEFAULT_CHART}
    found = []
    for item in made:
        if item.plan is None:
            continue
        for position, line in enumerate(item.plan.lines):
            account = specs[line.account_code]
            found.append(
                LedgerLine(
                    id=line_id(item, position),
                    date=item.plan.entry_date,
                    account_code=line.account_code,
                    account_type=str(account.type),
                    vat_control=str(account.vat_control or ""),
                    vat_treatment=line.vat_treatment,
                    debit=line.debit,
                    credit=line.credit,
                )
            )
    return found


def seed_vat(tenant: Tenant, owner, periods: list[tuple[date, date]], stagger: str, made: list[Made]) -> dict[str, int]:
    """VAT settings, one obligation per period, frozen submitted returns for all but the last."""
    counts = {"obligations": 0, "returns": 0, "return_lines": 0}
    with tenant_context(tenant):
        save_vat_settings(
            tenant=tenant, actor=owner, scheme="standard", stagger=Stagger(stagger), first_period_start=periods[0][0]
        )
    vrn = vrn_of(tenant)
    lines = ledger_lines(made)
    numbers = entry_numbers(made)
    now = timezone.now()
    for index, (start, end) in enumerate(periods):
        filed = index < len(periods) - 1
        due = _add_months(end.replace(day=1), 2) + timedelta(days=6)
        with tenant_context(tenant):
            obligation = VatObligation.objects.create(
                tenant=tenant,
                vrn=vrn,
                period_key=_period_key(start),
                start=start,
                end=end,
                due=due,
                status=VatObligation.Status.FULFILLED if filed else VatObligation.Status.OPEN,
                received=due - timedelta(days=9) if filed else None,
                synced_at=now,
            )
            counts["obligations"] += 1
            if not filed:
                refresh_overview(obligation, None)
                continue
            sent = datetime.combine(due - timedelta(days=9), datetime.min.time(), tzinfo=now.tzinfo)
            vat_return = VatReturn.objects.create(
                tenant=tenant,
                obligation=obligation,
                vrn=vrn,
                period_key=obligation.period_key,
                idempotency_key=VatReturn.key_for(vrn, obligation.period_key),
                status=ReturnStatus.SUBMITTED,
                prepared_by=owner,
                prepared_at=sent,
                approved_by=owner,
                approved_at=sent,
                declaration_accepted=True,
                attempts=1,
                submitted_at=sent + timedelta(minutes=1),
                processing_date=sent + timedelta(minutes=1),
                form_bundle_number=_bundle_number(tenant.slug, index),
                charge_ref_number=f"XQ{index:014d}",
                payment_indicator="DD",
                receipt_id=f"bench-{tenant.slug}-{index}",
            )
            computation = compute_boxes((li for li in lines if start <= li.date <= end), period_start=start)
            copy_insert(
                [
                    VatReturnLine(
                        tenant=tenant,
                        vat_return=vat_return,
                        journal_line_id=c.line_id,
                        box=c.box,
                        amount=c.amount,
                        is_adjustment=c.is_adjustment,
                    )
                    for c in computation.contributions
                ]
            )
            vat_return.set_boxes(computation.boxes)
            vat_return.computed_at = sent
            # What the product's freeze records: the last journal number when the return was approved (decision
            # 0034). Without it the open period's late-posting search scans every earlier period whole.
            vat_return.claimed_through = max((n for at, n in numbers if at <= sent), default=0)
            vat_return.save()
            SubmissionAttempt.objects.create(
                tenant=tenant,
                vat_return=vat_return,
                number=1,
                finished_at=sent + timedelta(minutes=1),
                outcome=SubmissionAttempt.Outcome.SUBMITTED,
            )
            refresh_overview(obligation, vat_return)
            counts["returns"] += 1
            counts["return_lines"] += len(computation.contributions)
    return counts
