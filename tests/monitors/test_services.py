"""Running the synthetic checks on demand: queued for the workers when there is a broker, else run here."""

from __future__ import annotations

import pytest

from apps.monitors import services
from apps.monitors.synthetic import CHECKS


def test_with_a_broker_every_check_is_queued_with_a_short_expiry(settings, monkeypatch):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/9"
    queued = []
    monkeypatch.setattr(services.synthetic_check, "apply_async", lambda **kw: queued.append(kw))
    assert services.run_checks_now() is None
    assert [q["kwargs"]["check"] for q in queued] == list(CHECKS)
    assert {q["expires"] for q in queued} == {55}  # a run that waited a minute is worthless


@pytest.mark.django_db
def test_without_a_broker_the_checks_run_here_and_the_failing_ones_are_named(settings):
    settings.CELERY_BROKER_URL = ""
    settings.SITE_URL = "http://127.0.0.1:9"  # nothing listens: the health check fails
    failed = services.run_checks_now()
    assert "health" in failed
