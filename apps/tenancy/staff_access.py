"""The staff console's only way into a tenant: an explicit, reasoned, time-boxed, audited grant.

A grant lives in the staff member's session; using it enters the normal
``tenant_context`` so row-level security still keeps staff in one tenant at a
time. The grant and its reason go into the tenant's own audit chain (its
owners can read it) and the platform chain.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone

from apps.audit.services import record_event
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Tenant

SESSION_KEY = "staff_tenant_grants"


class StaffAccessRequired(Exception):
    """The staff member has no live grant for this tenant: show the request form."""


def _require_staff(request: HttpRequest) -> None:
    user = request.user
    if not (user.is_authenticated and user.is_staff and user.is_verified()):
        raise PermissionDenied("The staff console needs a staff account signed in with two-factor authentication.")


def grant_staff_access(request: HttpRequest, tenant: Tenant, reason: str) -> datetime:
    _require_staff(request)
    expires = timezone.now() + timedelta(minutes=settings.STAFF_TENANT_ACCESS_MINUTES)
    with tenant_context(tenant):
        record_event(
            "tenancy.staff_access.granted",
            actor=request.user,
            tenant_id=tenant.pk,
            target=tenant,
            extra={"reason": reason, "expires_at": expires.isoformat()},
        )
    record_event(
        "tenancy.staff_access.granted",
        actor=request.user,
        target=tenant,
        extra={"tenant": tenant.slug, "reason": reason, "expires_at": expires.isoformat()},
    )
    grants = request.session.get(SESSION_KEY, {})
    grants[str(tenant.pk)] = expires.isoformat()
    request.session[SESSION_KEY] = grants
    return expires


def active_grant(request: HttpRequest, tenant: Tenant) -> datetime | None:
    raw = request.session.get(SESSION_KEY, {}).get(str(tenant.pk))
    if not raw:
        return None
    expires = datetime.fromisoformat(raw)
    return expires if expires > timezone.now() else None


def revoke_staff_access(request: HttpRequest, tenant: Tenant) -> None:
    grants = request.session.get(SESSION_KEY, {})
    if grants.pop(str(tenant.pk), None) is not None:
        request.session[SESSION_KEY] = grants
        record_event("tenancy.staff_access.ended", actor=request.user, target=tenant, extra={"tenant": tenant.slug})


@contextmanager
def staff_tenant_context(request: HttpRequest, tenant: Tenant) -> Iterator[None]:
    _require_staff(request)
    if active_grant(request, tenant) is None:
        raise StaffAccessRequired
    with tenant_context(tenant):
        yield
