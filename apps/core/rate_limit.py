"""An atomic fixed-window rate counter in the cache (Redis in production; decision 0035).

Why not DRF's ``SimpleRateThrottle``: it reads the request history from the cache,
decides in Python and writes the history back, so concurrent requests each read
the same history and all pass (issue #18: 126 accepted against a limit of 120). Here
one Lua script does ``INCR`` and, on the window's first hit, ``PEXPIRE``, inside
Redis: each request gets a distinct count, so exactly ``limit`` pass per window and
the key always expires. Other cache backends (the embedded LocMem default) use
``add`` + ``incr``, atomic within their one process.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache

# KEYS[1] = the window's counter, ARGV[1] = its lifetime in ms. Returns (count, ms left in the window).
_INCR_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}
"""


@dataclass(frozen=True)
class Hit:
    allowed: bool
    count: int
    retry_after: float  # seconds until the window ends (when refused)


def _redis_client():
    backend = getattr(cache, "_cache", None)
    get_client = getattr(backend, "get_client", None)
    return get_client(None, write=True) if get_client else None


def hit(name: str, *, limit: int, window_seconds: int, now: float | None = None) -> Hit:
    """Count one request against ``name``'s current window; allowed while the count is within ``limit``.

    Raises whatever the cache raises when it is unreachable: the caller decides to fail open or closed.
    """
    now = time.time() if now is None else now
    window = int(now // window_seconds)
    key = cache.make_key(f"ratelimit:{name}:{window}")
    client = _redis_client()
    if client is not None:
        count, ttl_ms = client.eval(_INCR_SCRIPT, 1, key, window_seconds * 1000)
        left = max(int(ttl_ms), 0) / 1000
    else:
        raw = f"ratelimit:{name}:{window}"
        cache.add(raw, 0, timeout=window_seconds)
        count = cache.incr(raw)
        left = (window + 1) * window_seconds - now
    return Hit(allowed=int(count) <= limit, count=int(count), retry_after=left)
