"""Test organisations of the HMRC sandbox, created on first use of a VRN."""

from __future__ import annotations

from datetime import datetime

from apps.sandbox.fixtures import ORGANISATION_NAMES
from apps.sandbox.models import TestOrganisation


def ensure_organisation(vrn: str, *, now: datetime) -> TestOrganisation:
    """The organisation for ``vrn`` (nine digits, valid check digits), created if new.

    Its quarterly obligations are derived from ``created_at`` (twelve months
    before it, up to the quarter after the current one; see selectors).
    """
    org = TestOrganisation.objects.filter(vrn=vrn).first()
    if org is not None:
        return org
    org, _ = TestOrganisation.objects.get_or_create(
        vrn=vrn, defaults={"name": ORGANISATION_NAMES.get(vrn, f"Test Organisation {vrn}"), "created_at": now}
    )
    return org
