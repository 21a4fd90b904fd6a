"""Asking for a verification or a check run now, from a page's button (decision 0037).

The request only records who asked (an audit event) and queues the task after
the commit: the page never verifies a chain or runs a check while someone waits,
and a refused or rolled-back request queues nothing.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from apps.audit.privileged import privileged
from apps.audit.services import record_event
from apps.security_center import tasks
from apps.tenancy.models import Tenant


def _who(user: Any) -> str:
    return getattr(user, "email", "") or str(getattr(user, "pk", ""))


@transaction.atomic
@privileged("security_center.chain_verification.")
def request_chain_verification(*, user: Any) -> None:
    """Queue a verification of every chain from its checkpoint, audited on the platform chain."""
    by = f"staff:{_who(user)}"
    record_event("security_center.chain_verification.requested", actor=user, extra={"scope": "every chain"})
    transaction.on_commit(lambda: tasks.verify_audit_chains.delay(requested_by=by))


@transaction.atomic
@privileged("security_center.check_run.")
def request_check_run(*, user: Any, tenant: Tenant | None = None) -> None:
    """Queue a run of the security checks: every scope (staff), or one business's (its owner), audited."""
    by = _who(user)
    tenant_id = str(tenant.pk) if tenant is not None else None
    record_event(
        "security_center.check_run.requested",
        actor=user,
        tenant_id=tenant.pk if tenant is not None else None,
        extra={"scope": "this business" if tenant is not None else "platform and every business"},
    )
    transaction.on_commit(lambda: tasks.run_security_checks.delay(tenant_id=tenant_id, requested_by=by))
