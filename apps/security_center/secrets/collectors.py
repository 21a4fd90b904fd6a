"""``strongroom_secret_age_seconds{secret}`` at scrape time, from what this process already holds (no backend call)."""

from __future__ import annotations

from datetime import UTC, datetime

from prometheus_client.core import GaugeMetricFamily

from apps.security_center.secrets.metrics import SECRET_AGE_NAME


class SecretAgeCollector:
    def collect(self):
        from apps.security_center.secrets import get_provider

        gauge = GaugeMetricFamily(
            SECRET_AGE_NAME, "Seconds since each secret's current version was written.", labels=["secret"]
        )
        try:
            records = get_provider().cached_records()
        except Exception:  # a scrape never fails because of the provider
            records = []
        now = datetime.now(UTC)
        for record in records:
            if record.rotated_at is not None:
                gauge.add_metric([record.name], (now - record.rotated_at).total_seconds())
        yield gauge

    def describe(self):
        return [GaugeMetricFamily(SECRET_AGE_NAME, "", labels=["secret"])]


def register_collector() -> None:
    import contextlib

    from prometheus_client.registry import REGISTRY

    with contextlib.suppress(ValueError):  # already registered (autoreload, tests)
        REGISTRY.register(SecretAgeCollector())
