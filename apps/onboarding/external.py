"""The onboarding wizard's calls into other apps, in one place.

Imports are inside the functions so that loading the wizard does not load
integrations and filing (and their import chains) for pages that never call
them. Tests of the wizard's own logic replace these functions; the integration
tests run them against the sandbox.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.urls import reverse


def company_profile(company_number: str) -> Any:
    """Companies House profile; raises CompanyNotFound, ExternalServiceUnavailable (RateLimited), IntegrationError."""
    from apps.integrations.companies_house import get_company_profile

    return get_company_profile(company_number)


def hmrc_connection(tenant) -> Any | None:
    """The tenant's HMRC connection (``.status`` "connected" / "needs_reauth" / "revoked"), or None."""
    from apps.integrations.hmrc.selectors import connection_for

    return connection_for(tenant)


def hmrc_connected(tenant) -> bool:
    connection = hmrc_connection(tenant)
    return connection is not None and getattr(connection, "status", "") == "connected"


def hmrc_connect_url(tenant_slug: str) -> str:
    """Where the "Connect to HMRC" button posts."""
    return reverse("integrations:hmrc-connect", kwargs={"tenant_slug": tenant_slug})


def save_vat_settings(*, tenant, actor, scheme: str, stagger: str, first_period_start: date, four_eyes: bool) -> Any:
    """Raises apps.filing.errors.FilingError with a message for people when a value is refused."""
    from apps.filing.services.vat_settings import save_vat_settings as save

    return save(
        tenant=tenant, actor=actor, scheme=scheme, stagger=stagger, first_period_start=first_period_start,
        four_eyes=four_eyes,
    )  # fmt: skip


def sync_obligations(*, tenant, actor, initiator) -> list:
    """Raises integrations errors (HMRC away, not connected, rejected, no browser facts for HMRC's headers)."""
    from apps.filing.services.obligations import sync_obligations as sync
    from apps.integrations.hmrc.initiator import BrowserFactsMissing

    if initiator is None:
        raise BrowserFactsMissing()
    return sync(tenant=tenant, actor=actor, initiator=initiator)
