"""A business's VAT scheme, stagger, first period and approval rule."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from apps.audit.services import record_event
from apps.filing.domain import Scheme, Stagger, is_period_start
from apps.filing.errors import FilingError
from apps.filing.models import VatSettings
from apps.tenancy.models import Tenant


def save_vat_settings(
    *, tenant: Tenant, actor, scheme: str, stagger: str, first_period_start: date, four_eyes: bool = False
) -> VatSettings:
    if scheme not in Scheme.values:
        raise FilingError(f"{scheme!r} is not a VAT scheme Strongroom supports.")
    if stagger not in Stagger.values:
        raise FilingError(f"{stagger!r} is not a VAT stagger.")
    if not is_period_start(stagger, first_period_start):
        raise FilingError(
            f"{first_period_start:%d %B %Y} is not the first day of a VAT period for {Stagger(stagger).label.lower()}."
        )
    if four_eyes:
        _require_a_second_approver(tenant)
    with transaction.atomic():
        current = VatSettings.objects.filter(tenant=tenant).select_for_update().first()
        before = _snapshot(current) if current else None
        settings_row = current or VatSettings(tenant=tenant)
        settings_row.scheme = scheme
        settings_row.stagger = stagger
        settings_row.first_period_start = first_period_start
        settings_row.four_eyes = four_eyes
        settings_row.updated_by = actor
        settings_row.save()
        record_event(
            "filing.vat_settings.saved",
            actor=actor,
            tenant_id=tenant.id,
            target=settings_row,
            before=before,
            after=_snapshot(settings_row),
        )
    return settings_row


def _require_a_second_approver(tenant: Tenant) -> None:
    """Four-eyes with one possible approver would leave every return waiting for ever: refuse it, saying why."""
    from apps.filing.selectors import approvers

    people = approvers(tenant)
    if len(people) >= 2:
        return
    who = f"only {people[0].user.email} can approve returns" if people else "nobody can approve returns yet"
    raise FilingError(
        "Four-eyes approval needs two people who can approve returns (an owner or the business's accountant), "
        f"and {who}: the preparer could never get a return approved. Invite a second owner or an accountant "
        "from the team page first, then turn four-eyes approval on."
    )


def _snapshot(row: VatSettings) -> dict:
    return {
        "scheme": row.scheme,
        "stagger": row.stagger,
        "first_period_start": row.first_period_start.isoformat(),
        "four_eyes": row.four_eyes,
    }
