"""Read queries over tenants and memberships (routing tables, never scoped)."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from apps.tenancy.models import Invitation, Membership, Role, Tenant


def all_tenant_ids() -> list[uuid.UUID]:
    return list(Tenant.objects.order_by("created_at").values_list("id", flat=True))


def memberships_for(user) -> QuerySet[Membership]:
    if not getattr(user, "is_authenticated", False):
        return Membership.objects.none()
    return Membership.objects.filter(user=user).select_related("tenant").order_by("tenant__name")


def membership_for(user, tenant: Tenant) -> Membership | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Membership.objects.filter(user=user, tenant=tenant).first()


def is_owner_anywhere(user) -> bool:
    return Membership.objects.filter(user=user, role=Role.OWNER).exists()


def tenant_members(tenant: Tenant) -> QuerySet[Membership]:
    return Membership.objects.filter(tenant=tenant).select_related("user").order_by("user__email")


def pending_invitations() -> QuerySet[Invitation]:
    """Inside a tenant context only (Invitation is tenant-scoped)."""
    return Invitation.objects.filter(accepted_at__isnull=True, revoked_at__isnull=True).select_related("invited_by")
