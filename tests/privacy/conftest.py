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
