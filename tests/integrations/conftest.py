"""Fixtures for the integrations tests: a tenant connected to the sandbox's HMRC, and metric readings."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from tests.integrations.hmrc_helpers import connect_hmrc


@pytest.fixture
def hmrc_connected(sandbox_http, tenant_a, owner_a):
    """tenant_a connected to HMRC (sandbox) for DEMO_VRN by owner_a; returns the connection."""
    return connect_hmrc(tenant_a, owner_a)


@pytest.fixture
def no_faults(db):
    from apps.sandbox.services.faults import clear_faults

    clear_faults()
    yield
    clear_faults()


def external_calls(client: str, operation: str, outcome: str) -> float:
    labels = {"client": client, "operation": operation, "outcome": outcome}
    return REGISTRY.get_sample_value("strongroom_external_calls_total", labels) or 0.0
