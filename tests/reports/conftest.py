"""Report tests' fixtures: a viewer's client on tenant A (reports are read by every member)."""

from __future__ import annotations

import pytest

from apps.tenancy.models import Role
from tests.conftest import make_member


@pytest.fixture
def viewer_a(tenant_a):
    return make_member(tenant_a, Role.VIEWER)


@pytest.fixture
def viewer_client(client, viewer_a):
    client.force_login(viewer_a)
    return client
