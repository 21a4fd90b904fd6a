"""Reads about a tenant's HMRC connection (for the status page, onboarding and filing)."""

from __future__ import annotations

from apps.integrations.hmrc.models import HmrcConnection
from apps.tenancy.context import current_tenant_id, tenant_context


def connection_for(tenant) -> HmrcConnection | None:
    """The tenant's connection row whatever its status (connected, needs_reauth, revoked), or None."""
    if current_tenant_id() == tenant.pk:
        return HmrcConnection.objects.select_related("connected_by").filter(tenant=tenant).first()
    with tenant_context(tenant):
        return HmrcConnection.objects.select_related("connected_by").filter(tenant=tenant).first()


def is_connected(tenant) -> bool:
    connection = connection_for(tenant)
    return connection is not None and connection.is_connected
