"""Two processes, one breaker: the state a worker's failures set is the state every web process obeys."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from apps.integrations import breakers
from apps.integrations.breakers import CircuitOpen
from apps.integrations.errors import ExternalServiceUnavailable
from tests.integrations.breaker_helpers import use_store

pytestmark = pytest.mark.redis

KEY = "companies_house"
ROOT = Path(__file__).resolve().parents[2]

# What the other process does: fail N times through the breaker (argv[1]), then report what it sees.
OTHER = textwrap.dedent(
    """
    import json, sys
    import django
    django.setup()
    from apps.integrations import breakers
    from apps.integrations.errors import ExternalServiceUnavailable

    def down():
        raise ExternalServiceUnavailable(code="TIMEOUT")

    for _ in range(int(sys.argv[1])):
        try:
            breakers.guarded("companies_house", down)
        except ExternalServiceUnavailable:
            pass
    try:
        breakers.guarded("companies_house", lambda: None)
        refused = False
    except breakers.CircuitOpen:
        refused = True
    print(json.dumps({"state": breakers.state("companies_house"), "refused": refused,
                      "store": breakers.snapshot("companies_house").store}))
    """
)


def other_process(settings, failures: int) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "STRONGROOM_ENV": "test",
        "BREAKER_REDIS_URL": settings.BREAKER_REDIS_URL,
        "BREAKER_KEY_PREFIX": settings.BREAKER_KEY_PREFIX,
        "BREAKER_FAIL_MAX": str(settings.BREAKER_FAIL_MAX),
        "BREAKER_RESET_TIMEOUT": str(settings.BREAKER_RESET_TIMEOUT),
    }
    done = subprocess.run(
        [sys.executable, "-c", OTHER, str(failures)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def shared(settings):
    use_store(settings, "redis")
    breakers.reset()
    yield
    breakers.reset()


def down():
    raise ExternalServiceUnavailable(code="CONNECTION_FAILED")


def test_a_breaker_opened_here_refuses_calls_in_another_process(shared, settings):
    for _ in range(3):
        with pytest.raises(ExternalServiceUnavailable):
            breakers.guarded(KEY, down)
    assert other_process(settings, 0) == {"state": "open", "refused": True, "store": "redis"}


def test_failures_in_another_process_open_the_breaker_here(shared, settings):
    with pytest.raises(ExternalServiceUnavailable):
        breakers.guarded(KEY, down)  # one here ...
    seen = other_process(settings, 2)  # ... two there: three in a row across processes
    assert seen["state"] == "open"
    assert breakers.is_open(KEY)
    with pytest.raises(CircuitOpen):
        breakers.guarded(KEY, lambda: None)
