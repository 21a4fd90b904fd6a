"""Readiness checks: each returns ok/error with its latency, never raises.

Liveness says only that the process answers; readiness says whether it can
serve: database reachable, migrations applied, cache and broker reachable
when configured, and the checks apps above register (``register_check``: the
document store, for one).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    latency_ms: float
    detail: str = ""

    def as_dict(self) -> dict:
        data = {"status": "ok" if self.ok else "error", "latency_ms": round(self.latency_ms, 2)}
        if self.detail:
            data["detail"] = self.detail
        return data


def _timed(name: str, fn: Callable[[], str]) -> CheckResult:
    start = time.perf_counter()
    try:
        detail = fn()
        ok = True
    except Exception as exc:  # a readiness check reports every failure, whatever its type
        detail, ok = f"{type(exc).__name__}: {exc}"[:300], False
    return CheckResult(name, ok, (time.perf_counter() - start) * 1000, detail)


def check_database() -> str:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return ""


def check_migrations() -> str:
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        raise RuntimeError(f"{len(plan)} migration(s) not applied")
    return ""


def check_cache() -> str:
    key = "health:ready"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return what was stored")
    return ""


def check_broker() -> str:
    from config.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return ""


_registered: dict[str, Callable[[], str]] = {}


def register_check(name: str, fn: Callable[[], str]) -> None:
    """Add a readiness check from an app above (``AppConfig.ready``): returns a detail, raises when not ready."""
    _registered[name] = fn


def readiness() -> list[CheckResult]:
    checks: list[tuple[str, Callable[[], str]]] = [("database", check_database)]
    results = [_timed(name, fn) for name, fn in checks]
    if results[0].ok:
        results.append(_timed("migrations", check_migrations))
    if settings.CACHE_URL:
        results.append(_timed("cache", check_cache))
    if settings.CELERY_BROKER_URL:
        results.append(_timed("broker", check_broker))
    if results[0].ok:
        results += [_timed(name, fn) for name, fn in _registered.items()]
    return results
