"""Integration harness: web (gunicorn, deploy/gunicorn.conf.py), a worker and beat as real processes.

They run on loopback against PostgreSQL (pytest's test database, as the
application role) and Redis, exactly as deployed minus the containers; the
stack is stopped at the end of the session whatever happened (``make
integration`` also kills the process groups it started if pytest itself dies).
"""

from __future__ import annotations

import pytest
import requests
from django.conf import settings

from tests.e2e.browser import ARTIFACTS
from tests.e2e.stack import Stack, running_stack


@pytest.fixture(scope="session")
def stack(django_db_setup, django_db_blocker, tmp_path_factory) -> Stack:
    if not settings.DATABASES["default"]["ENGINE"].endswith("backends.postgresql") or not settings.CELERY_BROKER_URL:
        pytest.skip("the integration harness needs PostgreSQL and Redis (make integration sets them)")
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), running_stack(ARTIFACTS / "integration", media, worker=True, beat=True) as s:
        yield s


@pytest.fixture
def http() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # loopback only: no proxies from the environment
    return session


@pytest.fixture
def committed(django_db_blocker):
    """Committed database access: the served processes are other connections."""
    with django_db_blocker.unblock():
        yield
