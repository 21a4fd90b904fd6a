"""The onboarding wizard's calls into other apps, in one place.

Onboarding sits above filing and integrations, so these are plain module-level
imports. Tests of the wizard's own logic replace these functions; the
integration tests run them against the sandbox.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.urls import reverse

from apps.filing.services import obligations, vat_settings
from apps.integrations.companies_house import get_company_profile
from apps.integrations.hmrc.initiator import BrowserFactsMissing
from apps.integrations.hmrc.selectors import connection_for


def company_profile(company_number: str) -> Any:
    """Companies House profile; raises CompanyNotFound, ExternalServiceUnavailable (RateLimited), IntegrationError."""
    return get_company_profile(company_number)


def hmrc_connection(tenant) -> Any | None:
    """The tenant's HMRC connection (``.status`` "connected" / "needs_reauth" / "revoked"), or None."""
    return connection_for(tenant)


def hmrc_connected(tenant) -> bool:
    connection = hmrc_connection(tenant)
    return connection is not None and getattr(connection, "status", "") == "connected"


def hmrc_connect_url(tenant_slug: str) -> str:
    """Where the "Connect to HMRC" button posts."""
    return reverse("integrations:hmrc-connect", kwargs={"tenant_slug": tenant_slug})


def save_vat_settings(*, tenant, actor, scheme: str, stagger: str, first_period_start: date, four_eyes: bool) -> Any:
    """Raises apps.filing.errors.FilingError with a message for people when a value is refused."""
    return vat_settings.save_vat_settings(
        tenant=tenant, actor=actor, scheme=scheme, stagger=stagger, first_period_start=first_period_start,
        four_eyes=four_eyes,
    )  # fmt: skip


def sync_obligations(*, tenant, actor, initiator) -> list:
    """Raises integrations errors (HMRC away, not connected, rejected, no browser facts for HMRC's headers)."""
    if initiator is None:
        raise BrowserFactsMissing()
    return obligations.sync_obligations(tenant=tenant, actor=actor, initiator=initiator)
