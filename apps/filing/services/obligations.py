"""Obligations synced from HMRC: which periods need a return, and when."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from stdnum.gb import vat as gb_vat

from apps.audit.services import record_event
from apps.filing.errors import FilingError
from apps.filing.models import VatObligation
from apps.filing.services.overview import refresh_overview
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Tenant

# HMRC refuses a range longer than a year (spec §3.3): look back most of a year and ahead a little.
LOOK_BACK_DAYS = 300


def vrn_of(tenant: Tenant) -> str:
    """The nine-digit VRN HMRC's paths take (no GB prefix, no branch digits)."""
    compact = gb_vat.compact(tenant.vat_number or "")
    if len(compact) < 9 or not compact[:9].isdigit():
        raise FilingError("Add the business's VAT registration number in its settings first.")
    return compact[:9]


def sync_obligations(*, tenant: Tenant, actor=None) -> list[VatObligation]:
    """Read open and recent obligations from HMRC and store them; integration errors propagate.

    The HTTP calls happen before any write, so no transaction is held open while HMRC answers.
    """
    from apps.integrations.hmrc.vat_client import HmrcVatClient

    vrn = vrn_of(tenant)
    today = timezone.localdate()
    start = today - timedelta(days=LOOK_BACK_DAYS)
    client = HmrcVatClient(tenant)
    found = {o.period_key: o for o in client.obligations(vrn, from_date=start, to_date=start + timedelta(days=365))}
    now = timezone.now()
    stored: list[VatObligation] = []
    with tenant_context(tenant):  # a transaction with the tenant set, also when called from a task
        for item in sorted(found.values(), key=lambda o: o.start):
            obligation, _ = VatObligation.objects.update_or_create(
                tenant=tenant,
                vrn=vrn,
                period_key=item.period_key,
                defaults={
                    "start": item.start,
                    "end": item.end,
                    "due": item.due,
                    "status": item.status,
                    "received": item.received,
                    "synced_at": now,
                },
            )
            refresh_overview(obligation)
            stored.append(obligation)
        record_event(
            "filing.obligations.synced",
            actor=actor,
            tenant_id=tenant.id,
            extra={"vrn": vrn, "periods": [o.period_key for o in stored]},
        )
    return stored
