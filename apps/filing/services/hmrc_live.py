"""What HMRC holds for one period (liabilities and payments): read by a worker, shown from the cache.

Why off the request path (issue #17): with HMRC answering in 10 s the page's
fragment took 25-43 s and held both web processes. A web process now only
reads the cache (``live_financials``): fresh figures are shown as they are;
stale or missing ones are shown "as of" when they were read while one
background task (``refresh_period_financials``, on the integrations queue) is
asked to read them again; the fragment polls a few times until they arrive.
At most one refresh per period is queued at a time, however many people look
(``HMRC_LIVE_REFRESH_LOCK_SECONDS``), so a slow or failing HMRC sees no storm.
The read is still the person's: the task carries the fraud-prevention context
captured from their request (decision 0008), so HMRC gets WEB_APP_VIA_SERVER
headers from their device.

Why cached at all: HMRC allows the whole application 3 requests a second;
figures change only when HMRC processes a return or a payment, so a minute's
staleness is harmless (the page says when the figures were read).

Why the payment window: HMRC's payments carry no period, only the day they
were received. A payment for a period is made after the period ends, so the
payments shown against a period are those received after it ended and up to
the end of the next period of the same length; the previous period's
payment, received during this one, is no longer shown here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.filing.models import VatObligation
from apps.integrations.errors import IntegrationError
from apps.integrations.hmrc.initiator import Initiator
from apps.integrations.hmrc.vat_client import HmrcVatClient, Liability, Payment

log = logging.getLogger(__name__)


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


@dataclass(frozen=True)
class Snapshot:
    """The last read of a period (its figures, or the error in words) and when it was tried."""

    financials: PeriodFinancials | None
    error: str
    tried_at: datetime


@dataclass(frozen=True)
class LiveFinancials:
    """What the fragment shows: the cached figures (maybe stale), the last error, and whether a read is under way."""

    financials: PeriodFinancials | None = None
    error: str = ""
    refreshing: bool = False
    stale: bool = False


def _cache_key(obligation: VatObligation) -> str:
    return f"hmrc:financials:{obligation.tenant_id}:{obligation.vrn}:{obligation.period_key}"


def _lock_key(obligation: VatObligation) -> str:
    return _cache_key(obligation) + ":refreshing"


def cached_snapshot(obligation: VatObligation) -> Snapshot | None:
    cached = cache.get(_cache_key(obligation))
    return cached if isinstance(cached, Snapshot) else None


def _fresh(snapshot: Snapshot | None) -> bool:
    max_age = timedelta(seconds=settings.HMRC_LIVE_READ_CACHE_SECONDS)
    return snapshot is not None and timezone.now() - snapshot.tried_at < max_age


def live_financials(obligation: VatObligation, *, refresh: Callable[[], object]) -> LiveFinancials:
    """For a web request: never calls HMRC. Stale or missing figures ask ``refresh`` (once per period at a time).

    ``refresh`` queues the background read; an ``ApplicationError`` it raises
    (the browser's facts missing, the broker away) is shown as the error.
    """
    snapshot = cached_snapshot(obligation)
    if _fresh(snapshot):
        return LiveFinancials(snapshot.financials, snapshot.error)
    refreshing = cache.get(_lock_key(obligation)) is not None
    error = snapshot.error if snapshot else ""
    if not refreshing and cache.add(_lock_key(obligation), 1, timeout=settings.HMRC_LIVE_REFRESH_LOCK_SECONDS):
        try:
            refresh()
            refreshing = True
            if _fresh(done := cached_snapshot(obligation)):  # embedded mode (no broker) ran it inline
                return LiveFinancials(done.financials, done.error)
        except ApplicationError as exc:
            cache.delete(_lock_key(obligation))
            error = exc.message
        except Exception:  # the broker refused the message: say so, try again at the next view
            log.warning("could not queue the HMRC figures refresh", exc_info=True)
            cache.delete(_lock_key(obligation))
            error = "We could not ask HMRC for the latest figures just now. Reload the page in a minute."
    financials = snapshot.financials if snapshot else None
    return LiveFinancials(financials, error, refreshing=refreshing, stale=financials is not None)


def refresh_financials(*, tenant, obligation: VatObligation, initiator: Initiator) -> Snapshot:
    """For the worker: read HMRC now and keep the result (or the error, with the last good figures) in the cache."""
    previous = cached_snapshot(obligation)
    try:
        snapshot = Snapshot(period_financials(tenant=tenant, obligation=obligation, initiator=initiator), "",
                            timezone.now())  # fmt: skip
    except IntegrationError as exc:
        kept = previous.financials if previous else None
        snapshot = Snapshot(kept, getattr(exc, "message", "") or str(exc), timezone.now())
    finally:
        cache.delete(_lock_key(obligation))
    cache.set(_cache_key(obligation), snapshot, timeout=settings.HMRC_LIVE_KEEP_SECONDS)
    return snapshot


def period_financials(*, tenant, obligation: VatObligation, initiator: Initiator) -> PeriodFinancials:
    """Liabilities of this period and the payments that pay it, read from HMRC now; integration errors propagate."""
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
    return PeriodFinancials(
        liabilities=liabilities,
        payments=payments,
        payments_from=window[0] if window else None,
        payments_to=window[1] if window else None,
        read_at=timezone.now(),
    )
