"""Cross-app reads for the staff console, through each app's selectors."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, QuerySet

from apps.audit.models import PLATFORM_CHAIN
from apps.audit.selectors import ChainReport, verify_chain
from apps.tenancy.models import Tenant
from apps.tenancy.selectors import all_tenant_ids


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


def all_chains() -> list[uuid.UUID]:
    """The platform chain and one chain per tenant (tenants are never deleted).

    Here rather than in the audit app, which sits below tenancy and so cannot list the tenants.
    """
    return [PLATFORM_CHAIN, *all_tenant_ids()]


def audit_chain_reports() -> list[ChainReport]:
    return [verify_chain(chain) for chain in all_chains()]
