"""What HMRC holds for one period (liabilities and payments), read live and cached briefly.

Why cached: the period page polls this fragment, and HMRC allows the whole
application 3 requests a second; every page view calling HMRC twice would
spend that budget on repeats. Figures change only when HMRC processes a
return or a payment, so a minute's staleness is harmless (the page says
when the figures were read).

Why the payment window: HMRC's payments carry no period, only the day they
were received. A payment for a period is made after the period ends, so the
payments shown against a period are those received after it ended and up to
the end of the next period of the same length; the previous period's
payment, received during this one, is no longer shown here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from apps.filing.models import VatObligation
from apps.integrations.hmrc.initiator import Initiator
from apps.integrations.hmrc.vat_client import HmrcVatClient, Liability, Payment


@dataclass(frozen=True)
class PeriodFinancials:
    liabilities: list[Liability] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    payments_from: date | None = None
    payments_to: date | None = None
    read_at: datetime | None = None


def _next_period_end(start: date, end: date) -> date:
    """The last day of the period of the same number of months that follows (VAT periods are whole months)."""
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    index = end.year * 12 + end.month - 1 + months + 1  # the month after the next period's last
    first_after = date(index // 12, index % 12 + 1, 1)
    return first_after - timedelta(days=1)


def payment_window(obligation: VatObligation, today: date) -> tuple[date, date] | None:
    """(from, to) of the payments that pay this period, or None when none can have been received yet."""
    start = obligation.end + timedelta(days=1)
    end = min(today, _next_period_end(obligation.start, obligation.end))
    return (start, end) if start < end else None  # HMRC wants from strictly before to, and to not in the future


def _own_period(liability: Liability, obligation: VatObligation) -> bool:
    if liability.period_from is None or liability.period_to is None:
        return True  # HMRC did not say which period: shown rather than hidden
    return liability.period_from == obligation.start and liability.period_to == obligation.end


def _cache_key(obligation: VatObligation) -> str:
    return f"hmrc:financials:{obligation.tenant_id}:{obligation.vrn}:{obligation.period_key}"


def period_financials(*, tenant, obligation: VatObligation, initiator: Initiator) -> PeriodFinancials:
    """Liabilities of this period and the payments that pay it; integration errors propagate."""
    key = _cache_key(obligation)
    cached = cache.get(key)
    if isinstance(cached, PeriodFinancials):
        return cached
    today = timezone.localdate()
    client = HmrcVatClient(tenant, initiator=initiator)
    liabilities: list[Liability] = []
    liabilities_to = min(obligation.due, today)
    if obligation.start < liabilities_to:
        liabilities = [
            item
            for item in client.liabilities(obligation.vrn, from_date=obligation.start, to_date=liabilities_to)
            if _own_period(item, obligation)
        ]
    window = payment_window(obligation, today)
    payments = client.payments(obligation.vrn, from_date=window[0], to_date=window[1]) if window else []
    result = PeriodFinancials(
        liabilities=liabilities,
        payments=payments,
        payments_from=window[0] if window else None,
        payments_to=window[1] if window else None,
        read_at=timezone.now(),
    )
    cache.set(key, result, timeout=settings.HMRC_LIVE_READ_CACHE_SECONDS)
    return result
