"""The database half of the tenant wall: the transaction-local ``app.tenant_id`` setting.

PostgreSQL row-level security reads ``app.tenant_id``. It lives here, below every
app, because the audit log (which sits below tenancy) must read its chains under
that setting without importing tenancy; ``apps.tenancy.context`` builds
``tenant_context`` on top of it.

Why restore explicitly: leaving a nested ``atomic`` releases a savepoint, which
does *not* undo the setting, so a nested context for another tenant would
otherwise outlive its block.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, transaction


def set_db_tenant(tenant_id: uuid.UUID | None, using: str = DEFAULT_DB_ALIAS) -> str | None:
    """Set ``app.tenant_id`` for the current transaction; return the previous value.

    A no-op (returning None) off PostgreSQL. Must be called inside ``atomic()``.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        return None
    if not connection.in_atomic_block:
        raise RuntimeError("set_db_tenant() outside a transaction would have no effect")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('app.tenant_id', true), set_config('app.tenant_id', %s, true)",
            [str(tenant_id) if tenant_id else ""],
        )
        previous = cursor.fetchone()[0]
    return previous or ""


@contextmanager
def db_tenant(tenant_id: uuid.UUID | None, using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Only the database half: a transaction with ``app.tenant_id`` set.

    For tables that are protected by row-level security but are not
    tenant-scoped models (the audit chain). Restores the outer value.
    """
    with transaction.atomic(using=using):
        previous = set_db_tenant(tenant_id, using)
        yield
        # A block marked for rollback undoes the setting itself (ROLLBACK TO
        # SAVEPOINT does), and may run no more queries.
        if previous is not None and not connections[using].needs_rollback:
            set_db_tenant(uuid.UUID(previous) if previous else None, using)
