"""Fixtures of the security center's tests: a registry that tests may change and get back unchanged, and the
rotation tests' note."""

from __future__ import annotations

import pytest

from apps.security_center import checks
from tests.security_center.rotation_helpers import rotation_note  # noqa: F401  (a fixture)


@pytest.fixture
def registry():
    """The check registry, restored after the test (tests register fakes or remove checks)."""
    saved, saved_evidence = dict(checks._registry), dict(checks._evidence)
    yield checks._registry
    checks._registry.clear()
    checks._registry.update(saved)
    checks._evidence.clear()
    checks._evidence.update(saved_evidence)
