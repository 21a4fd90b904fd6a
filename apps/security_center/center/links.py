"""Where a check's evidence is served: the staff console's page for the platform, the business's own otherwise."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import NoReverseMatch, reverse

if TYPE_CHECKING:
    from apps.tenancy.models import Tenant


def evidence_url(check_id: str, tenant: Tenant | None) -> str:
    """The generic evidence page of ``check_id`` in this scope ("" when the URL is not mounted)."""
    try:
        if tenant is None:
            return reverse("staff-security:evidence", kwargs={"check_id": check_id})
        return reverse("security:evidence", kwargs={"tenant_slug": tenant.slug, "check_id": check_id})
    except NoReverseMatch:
        return ""


def audit_log_url(tenant: Tenant | None, action: str) -> str:
    """The audit log filtered to one action: the platform chain's (staff) or the business's own."""
    try:
        if tenant is None:
            return reverse("staff:audit") + f"?action={action}"
        return reverse("tenancy:audit", kwargs={"tenant_slug": tenant.slug}) + f"?action={action}"
    except NoReverseMatch:
        return ""
