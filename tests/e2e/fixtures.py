"""Fixtures shared by the system suites (tests/e2e, tests/visual, tests/gates): the stack, seeding, the browser.

Import them into a suite's conftest with ``from tests.e2e.fixtures import *``.
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings

from tests.e2e.browser import ARTIFACTS, browser_context_args, browser_type_launch_args
from tests.e2e.stack import Stack, running_stack

__all__ = ["base_url", "browser_context_args", "browser_type_launch_args", "e2e_stack", "e2e_worker", "seeded"]


@pytest.fixture(scope="session")
def e2e_stack(django_db_setup, django_db_blocker, tmp_path_factory) -> Stack:
    if not settings.DATABASES["default"]["ENGINE"].endswith("backends.postgresql"):
        pytest.skip("end-to-end journeys need PostgreSQL (a server process shares the test database)")
    media = tmp_path_factory.mktemp("media")
    logs = ARTIFACTS / os.environ.get("STRONGROOM_SUITE", "e2e") / "logs"
    with django_db_blocker.unblock(), running_stack(logs, media) as stack:
        yield stack


@pytest.fixture(scope="session")
def e2e_worker(e2e_stack: Stack) -> Stack:
    """A real Celery worker on every queue, for journeys that need the pipeline."""
    if not settings.CELERY_BROKER_URL:
        pytest.skip("needs Redis (CELERY_BROKER_URL) for the worker")
    if "worker" not in e2e_stack.procs:
        e2e_stack.start_worker()
    return e2e_stack


@pytest.fixture(scope="session")
def base_url(e2e_stack: Stack) -> str:
    return e2e_stack.url


@pytest.fixture
def seeded(django_db_blocker):
    """Committed database access for seeding (the server is another process)."""
    from tests.e2e import seed

    with django_db_blocker.unblock():
        yield seed
