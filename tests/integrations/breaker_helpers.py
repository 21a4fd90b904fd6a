"""Shared by the breaker tests: a Redis URL for the shared store, a movable clock, and a recorder of transitions."""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings


def redis_url() -> str:
    """The suite's own Redis (the cache database when it is Redis, else the broker's)."""
    cache = settings.CACHE_URL or ""
    return cache if cache.startswith("redis") else settings.CELERY_BROKER_URL


class Clock:
    """Unix seconds the breakers read instead of the wall clock; tests move it."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def use_store(settings, kind: str) -> str:
    """Point the breakers at Redis (a prefix of this test's own) or at this process's memory."""
    settings.BREAKER_FAIL_MAX = 3
    settings.BREAKER_RESET_TIMEOUT = 30.0
    settings.BREAKER_TRIAL_LEASE_SECONDS = 10.0
    settings.BREAKERS = {}
    if kind == "redis":
        settings.BREAKER_REDIS_URL = redis_url()
        settings.BREAKER_KEY_PREFIX = f"test:breaker:{uuid.uuid4().hex}:"
    else:
        settings.BREAKER_REDIS_URL = ""
    return settings.BREAKER_KEY_PREFIX


STORES = [pytest.param("memory", id="memory"), pytest.param("redis", id="redis", marks=pytest.mark.redis)]
