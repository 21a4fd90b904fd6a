"""Platform-wide counts for the console's home and business list (no tenant's data: names and counts)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, QuerySet

from apps.tenancy.models import Tenant


@dataclass(frozen=True)
class PlatformSummary:
    tenants: int
    users: int
    staff: int


def platform_summary() -> PlatformSummary:
    users = get_user_model().objects
    return PlatformSummary(
        tenants=Tenant.objects.count(), users=users.count(), staff=users.filter(is_staff=True).count()
    )


def tenants_with_member_counts() -> QuerySet[Tenant]:
    return Tenant.objects.annotate(member_count=Count("memberships")).order_by("name")
