from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from apps.tenancy.selectors import memberships_for


def tenancy(request: HttpRequest) -> dict:
    """The current tenant and, lazily, the user's memberships for the tenant switcher."""
    user = getattr(request, "user", None)
    return {
        "current_tenant": getattr(request, "tenant", None),
        "current_membership": getattr(request, "membership", None),
        "my_memberships": (lambda: list(memberships_for(user))) if user is not None else [],
        # The staff console links to the sandboxes' fault switches when they are mounted.
        "sandbox_enabled": settings.SANDBOX_ENABLED,
    }
