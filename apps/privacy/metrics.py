"""Counters for the retention job and privacy requests (scraped with the rest at /metrics)."""

from __future__ import annotations

from prometheus_client import Counter

RETENTION_RUNS = Counter(
    "strongroom_privacy_retention_runs_total", "Retention job runs, by mode (dry_run or applied).", ["mode"]
)
RETENTION_ITEMS = Counter(
    "strongroom_privacy_retention_items_total",
    "Items the retention job found due, by category and what it did (deleted, would_delete, kept).",
    ["category", "action"],
)
REQUESTS_COMPLETED = Counter(
    "strongroom_privacy_requests_completed_total",
    "Privacy requests completed, by kind and subject.",
    ["kind", "subject"],
)
