"""A privacy request's lifecycle and a business closed by erasure (decision 0011): the one writers of their status.

Access: open → running (the export is being built) → ready (downloadable) → expired (the retention job deleted
the file); running → failed. Erasure: open → done. A business erased is closed from any open state.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apps.core.state_machine import StateMachine, Transition
from apps.privacy.errors import PrivacyStateError
from apps.privacy.models import PrivacyRequest
from apps.tenancy.models import Tenant

R = PrivacyRequest.Status
T = Tenant.Status

REQUEST_STATES = StateMachine(
    noun="privacy request",
    field="status",
    transitions={
        "start": Transition([R.OPEN, R.RUNNING], R.RUNNING, "start"),
        "export_ready": Transition([R.OPEN, R.RUNNING], R.READY, "be ready"),
        "fail": Transition([R.OPEN, R.RUNNING], R.FAILED, "fail"),
        "complete": Transition([R.OPEN], R.DONE, "be completed"),
        "expire": Transition([R.READY], R.EXPIRED, "expire"),
    },
    labels=dict(R.choices),
    error=PrivacyStateError,
)

CLOSE_STATES = StateMachine(
    noun="business",
    field="status",
    transitions={"close": Transition([T.ONBOARDING, T.ACTIVE, T.SUSPENDED], T.CLOSED, "be closed")},
    labels=dict(T.choices),
    error=PrivacyStateError,
)


def move_request(request: PrivacyRequest, transition: str, *, changes: Mapping[str, Any] | None = None):
    """The one writer of ``PrivacyRequest.status`` (the guarded UPDATE of apps.core.state_machine)."""
    return REQUEST_STATES.move(request, transition, changes=changes)


def close_tenant(tenant: Tenant) -> Tenant:
    """The one writer of ``Tenant.status`` in privacy: a business erased is closed (every permission then refuses)."""
    return CLOSE_STATES.move(tenant, "close")
