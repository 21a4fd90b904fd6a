"""The single way into a tenant: ``tenant_context``.

It enters the django-scopes scope (first wall, in the ORM) and sets
``app.tenant_id`` for the current transaction on PostgreSQL (second wall, row-
level security). Every surface calls it in exactly one place: the portal
middleware, ``TenantTask``, management commands and the staff console's
audited access path.

Why one transaction: ``set_config(..., true)`` is transaction-local, so it
cannot leak to the next user of a pooled connection, and it does nothing in
autocommit. Why restore explicitly: leaving a nested ``atomic`` releases a
savepoint, which does *not* undo the setting (docs/contracts/security.md, Row-level security), so a nested
context for another tenant would otherwise outlive its block.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import DEFAULT_DB_ALIAS
from django_scopes import scope

from apps.core.db_tenant import db_tenant, set_db_tenant

__all__ = ["current_tenant_id", "db_tenant", "set_db_tenant", "tenant_context", "tenant_scope"]

_current: ContextVar[uuid.UUID | None] = ContextVar("strongroom_tenant", default=None)


def current_tenant_id() -> uuid.UUID | None:
    return _current.get()


def _as_uuid(value: object) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    pk = getattr(value, "pk", None)
    if isinstance(pk, uuid.UUID):
        return pk
    return uuid.UUID(str(value))


@contextmanager
def tenant_scope(tenant: object) -> Iterator[uuid.UUID]:
    """Only the ORM half, for long work (OCR) that must not hold a transaction open.

    Queries made here outside a ``tenant_context`` see no rows on PostgreSQL
    (no ``app.tenant_id``): it fails closed. Each unit of work inside opens
    ``tenant_context`` for the same tenant, a short transaction.
    """
    tenant_id = _as_uuid(tenant)
    token = _current.set(tenant_id)
    try:
        with scope(tenant=tenant_id):
            yield tenant_id
    finally:
        _current.reset(token)


@contextmanager
def tenant_context(tenant: object, using: str = DEFAULT_DB_ALIAS) -> Iterator[uuid.UUID]:
    """Enter a tenant: ORM scope + transaction-local RLS setting. Yields the tenant id.

    ``tenant`` is a Tenant, its id, or the id's string form (as a task receives it).
    """
    tenant_id = _as_uuid(tenant)
    token = _current.set(tenant_id)
    try:
        with scope(tenant=tenant_id), db_tenant(tenant_id, using):
            yield tenant_id
    finally:
        _current.reset(token)
