"""Small helpers shared by tests of every app."""

from __future__ import annotations

import uuid

from apps.audit.models import PLATFORM_CHAIN, AuditEvent
from apps.tenancy.context import db_tenant


def audit_events(chain: uuid.UUID = PLATFORM_CHAIN, **filters) -> list[AuditEvent]:
    """Events of one chain, read inside that chain's context (on PostgreSQL, RLS hides them otherwise)."""
    with db_tenant(chain):
        return list(AuditEvent.objects.filter(chain=chain, **filters).order_by("seq"))


def audit_actions(chain: uuid.UUID = PLATFORM_CHAIN) -> list[str]:
    return [e.action for e in audit_events(chain)]
