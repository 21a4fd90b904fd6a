"""HMRC's request budget, shared by every process of the application.

HMRC allows 3 requests per second per *application*: every business, web
process and worker draws on one budget, and going over it earns 429s.

How: time is cut into slots of 1/rate seconds, and each call reserves the
first free slot that starts at or after "now" with an atomic ``cache.add``
(Redis ``SET NX`` in production, so all processes share it; the in-process
cache in the embedded mode, where one process makes every call). The call
waits for its slot to start, so calls start at least 1/rate apart and no
one-second window ever holds more than ``rate`` of them. A call that would
wait longer than ``max_wait`` raises ``RateLimited`` (retryable), as HMRC's
own 429 would. If the cache cannot be reached the call goes ahead
(logged): HMRC's 429 handling is the backstop, and refusing every filing
because Redis blinked would be worse.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import structlog
from django.conf import settings
from django.core.cache import cache

from apps.integrations.errors import RateLimited

log = structlog.get_logger("strongroom.integrations.hmrc")

KEY = "hmrc:rate-slot:{}"


def _rate() -> float:
    return float(settings.HMRC_RATE_LIMIT_PER_SECOND)


def reserve_slot(
    *,
    max_wait: float = 10.0,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> float:
    """Wait for this process's turn within the application's budget; return the slot's start time."""
    rate = _rate()
    slot_length = 1.0 / rate
    now = clock()
    first = math.ceil(now * rate)
    last = first + max(1, math.floor(max_wait * rate))
    for index in range(first, last + 1):
        try:
            taken = cache.add(KEY.format(index), 1, timeout=max(5, math.ceil(max_wait) + 5))
        except Exception as error:  # any cache failure: go ahead, HMRC's 429 is the backstop
            log.warning("hmrc_rate_limiter_unavailable", error=str(error))
            return now
        if taken:
            start = index * slot_length
            if start > now:
                sleep(start - now)
            return start
    raise RateLimited(
        "Strongroom is sending HMRC as many requests as HMRC allows just now. Please try again in a minute.",
        service="HMRC",
        retry_after=max_wait,
    )
