"""End-to-end journeys: Chromium (Debian's) against gunicorn on loopback, PostgreSQL, and a real worker.

The server and the worker serve pytest's test database (test_<DATABASE_URL's
name>) as the application role; the journeys seed what they need through
tests/e2e/seed.py and it is committed, so the server sees it. Run with
``make e2e``: it prints the folder where screenshots and traces of failing
journeys are kept (var/test-artifacts/e2e/).
"""

from __future__ import annotations

import pytest

from tests.e2e.fixtures import *  # noqa: F403


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.postgres)
