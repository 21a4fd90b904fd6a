"""Every (status, transition) pair of an elevation's table, on real rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.permissions.models import AccessElevation
from apps.permissions.states import ELEVATION_STATES, move_elevation
from tests.core.tables import enumerate_table
from tests.factories.permissions import make_staff

pytestmark = pytest.mark.django_db


def test_the_elevation_table_moves_exactly_the_allowed_pairs(tenant_a):
    requester, approver = make_staff("support"), make_staff("security_officer")
    now = timezone.now()

    def row_in(status: str) -> AccessElevation:
        return AccessElevation.objects.create(
            requester=requester, tenant=tenant_a, reason="Ticket SR-9 table", minutes=5, status=status,
            approver=approver if status != "requested" else None,
            decided_at=now, expires_at=now + timedelta(minutes=5),
        )  # fmt: skip

    def move(row: AccessElevation, name: str) -> None:
        changes = {"approver": approver, "expires_at": now + timedelta(minutes=5)} if name == "approve" else {}
        move_elevation(row, name, changes=changes)

    assert enumerate_table(ELEVATION_STATES, row_in, move) == []
