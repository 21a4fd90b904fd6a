"""The provider's metrics. Labels are secret names, backend kinds and outcomes: never a value."""

from __future__ import annotations

import contextlib

from prometheus_client import Counter

SECRET_ROTATIONS = Counter(
    "strongroom_secret_rotations_total",
    "Secret rotations performed by rotate_secret, by secret name and backend.",
    ["secret", "backend"],
)
SECRET_FETCHES = Counter(
    "strongroom_secret_fetches_total",
    "Reads of a secret from its backend (cache misses), by outcome: ok, stale (served the last good value "
    "within the grace), unavailable (failed closed) or missing.",
    ["secret", "outcome"],
)
SECRET_AGE_NAME = "strongroom_secret_age_seconds"


def count(counter: Counter, **labels: str) -> None:
    """Never let a metric break the read it observes."""
    with contextlib.suppress(Exception):
        counter.labels(**labels).inc()
