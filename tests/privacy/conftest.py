"""Fixtures for the privacy tests: exports under the test's own folder, and a staff member who handles requests."""

from __future__ import annotations

import pytest

from tests.factories.permissions import make_staff


@pytest.fixture(autouse=True)
def export_dir(settings, tmp_path):
    settings.PRIVACY_EXPORT_DIR = tmp_path / "privacy-exports"
    return settings.PRIVACY_EXPORT_DIR


@pytest.fixture
def officer(db):
    return make_staff("security_officer")


@pytest.fixture
def eager_tasks():
    """Tasks run in this process when sent (as in the embedded demo), also when a broker is configured (CI)."""
    from celery import current_app

    previous = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    yield
    current_app.conf.task_always_eager = previous
