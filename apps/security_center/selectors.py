"""Reads across every audit chain. Here, not in the audit app: audit sits below tenancy and cannot list tenants."""

from __future__ import annotations

import uuid

from apps.audit.models import PLATFORM_CHAIN
from apps.audit.selectors import ChainReport, ChainStatus, chain_heads, checkpoints, verify_chain
from apps.tenancy.selectors import all_tenant_ids


def all_chains() -> list[uuid.UUID]:
    """The platform chain and one chain per tenant (tenants are never deleted)."""
    return [PLATFORM_CHAIN, *all_tenant_ids()]


def verify_all_chains() -> list[ChainReport]:
    """Every chain's report: the platform chain first, then one per tenant."""
    return [verify_chain(chain) for chain in all_chains()]


def chain_statuses() -> list[ChainStatus]:
    """Every chain's stored verification and head, platform first: three queries, whatever the chains hold."""
    heads, stored = chain_heads(), checkpoints()
    return [ChainStatus(chain, stored.get(chain), heads.get(chain, 0)) for chain in all_chains()]
