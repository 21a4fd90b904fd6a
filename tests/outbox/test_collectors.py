"""The outbox gauges: rows by state and dependency, and the oldest still to happen per task and state."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.outbox.collectors import OutboxCollector
from apps.outbox.models import OutboxItem

pytestmark = pytest.mark.django_db


def _samples(name):
    for family in OutboxCollector().collect():
        if family.name == name:
            return {tuple(sorted(s.labels.items())): s.value for s in family.samples}
    return {}


def test_depth_by_state_and_dependency_and_the_oldest_age_per_task():
    now = timezone.now()
    for n, (state, dependency) in enumerate([("pending", ""), ("parked", "hmrc"), ("parked", "hmrc"), ("done", "")]):
        OutboxItem.objects.create(key=f"k{n}", task_name="documents.process_document" if n == 0 else "filing.x",
                                  state=state, dependency=dependency, available_at=now)  # fmt: skip
    OutboxItem.objects.filter(key="k0").update(created_at=now - timedelta(minutes=12))
    items = _samples("strongroom_outbox_items")
    assert items[(("dependency", "hmrc"), ("state", "parked"))] == 2
    assert items[(("dependency", "none"), ("state", "pending"))] == 1
    assert items[(("dependency", "none"), ("state", "dead"))] == 0  # always exported: the alert needs a series
    assert not any(dict(k)["state"] == "done" for k in items)
    ages = _samples("strongroom_outbox_oldest_age_seconds")
    assert 12 * 60 <= ages[(("state", "pending"), ("task", "documents.process_document"))] < 13 * 60
    assert (("state", "parked"), ("task", "filing.x")) in ages


def test_the_collector_is_registered_with_the_product_gauges():
    from apps.monitors.collectors import PRODUCT_COLLECTORS

    assert OutboxCollector in PRODUCT_COLLECTORS


def test_a_database_outage_yields_no_sample_not_a_failed_scrape(monkeypatch):
    def down(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(OutboxItem.objects, "filter", down)
    assert list(OutboxCollector().collect()) == []
