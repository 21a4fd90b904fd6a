"""The staff console's only way into a business's data: an elevation in force, in a 2FA-verified session.

Without one the answer is 404, as for any business the user is not part of,
and no tenant is set on the connection, so row-level security returns
nothing either. With one, the work runs inside the normal ``tenant_context``
(RLS keeps staff in one business at a time) and the use is audited.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.http import Http404, HttpRequest

from apps.permissions.models import AccessElevation
from apps.permissions.selectors import active_elevation
from apps.permissions.services.elevation import record_use
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Tenant


def elevation_for(request: HttpRequest, tenant: Tenant) -> AccessElevation | None:
    """The elevation that lets this request see the business, or None (also for an unverified session)."""
    user = request.user
    if not (user.is_authenticated and user.is_staff and user.is_verified()):
        return None
    return active_elevation(user, tenant.pk)


@contextmanager
def staff_tenant_context(request: HttpRequest, tenant: Tenant) -> Iterator[AccessElevation]:
    elevation = elevation_for(request, tenant)
    if elevation is None:
        raise Http404("No such business.")
    record_use(elevation, actor=request.user, method=request.method or "GET", path=request.get_full_path())
    with tenant_context(tenant):
        yield elevation
