"""The ledger's services run inside ``tenant_context``; these say so loudly when they do not."""

from __future__ import annotations

import uuid

from apps.tenancy.context import current_tenant_id
from apps.tenancy.errors import TenantContextError


def tenant_id_in_context() -> uuid.UUID:
    tenant_id = current_tenant_id()
    if tenant_id is None:
        raise TenantContextError("ledger services run inside tenant_context")
    return tenant_id


def require_tenant(tenant) -> uuid.UUID:
    tenant_id = tenant_id_in_context()
    if tenant_id != tenant.pk:
        raise TenantContextError(f"ledger of tenant {tenant.pk} changed from the context of {tenant_id}")
    return tenant_id
