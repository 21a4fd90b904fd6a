"""Every (status, transition) pair of the HMRC connection's table, on the business's one connection row."""

from __future__ import annotations

import pytest

from apps.integrations.errors import IntegrationError
from apps.integrations.hmrc.models import HmrcConnection
from apps.integrations.hmrc.states import CONNECTION_STATES, ConnectionStateError, move_connection
from tests.core.tables import enumerate_table
from tests.factories import HmrcConnectionFactory

pytestmark = pytest.mark.django_db


def test_the_connection_table_moves_exactly_the_allowed_pairs(tenant_a, in_tenant):
    with in_tenant(tenant_a):
        connection = HmrcConnectionFactory(tenant=tenant_a)

        def row_in(status: str) -> HmrcConnection:
            HmrcConnection.objects.filter(pk=connection.pk).update(status=status)  # one row per business
            return HmrcConnection.objects.get(pk=connection.pk)

        wrong = enumerate_table(CONNECTION_STATES, row_in, lambda row, name: move_connection(row, name))
    assert wrong == []


def test_tokens_set_before_the_move_are_saved_encrypted_with_it(tenant_a, in_tenant):
    with in_tenant(tenant_a):
        connection = HmrcConnectionFactory(tenant=tenant_a, status=HmrcConnection.Status.REVOKED)
        connection.access_token = "fresh-access"
        move_connection(connection, "connect")
        stored = HmrcConnection.objects.get(pk=connection.pk)
        assert stored.status == HmrcConnection.Status.CONNECTED and stored.access_token == "fresh-access"


def test_a_refused_move_is_an_integration_error_with_its_words(tenant_a, in_tenant):
    with in_tenant(tenant_a):
        connection = HmrcConnectionFactory(tenant=tenant_a, status=HmrcConnection.Status.REVOKED)
        with pytest.raises(ConnectionStateError) as refused:
            move_connection(connection, "disconnect")
    assert isinstance(refused.value, IntegrationError) and refused.value.status == 409
    assert refused.value.message == "This HMRC connection is disconnected; it cannot be disconnected."
