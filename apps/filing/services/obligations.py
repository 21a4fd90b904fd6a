"""Obligations synced from HMRC: which periods need a return, and when."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone
from stdnum.gb import vat as gb_vat

from apps.audit.services import record_event
from apps.filing.errors import FilingError
from apps.filing.models import VatObligation
from apps.filing.services.overview import refresh_overview
from apps.integrations.errors import HmrcRejected
from apps.integrations.hmrc import grant_check
from apps.integrations.hmrc.initiator import Initiator
from apps.integrations.hmrc.vat_client import HmrcVatClient, Obligation
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Tenant

# HMRC refuses a date range longer than a year: look back most of a year and ahead a little.
LOOK_BACK_DAYS = 300


def vrn_of(tenant: Tenant) -> str:
    """The nine-digit VRN HMRC's paths take (no GB prefix, no branch digits)."""
    compact = gb_vat.compact(tenant.vat_number or "")
    if len(compact) < 9 or not compact[:9].isdigit():
        raise FilingError("Add the business's VAT registration number in its settings first.")
    return compact[:9]


def read_obligations(client: HmrcVatClient, vrn: str, today: date) -> list[Obligation]:
    """Every open obligation, however old, plus the recent ones (open or fulfilled), by period key.

    Two calls: ``status=O`` with no dates (HMRC's way to list *all* open
    periods; a date window would hide one that ended more than a year ago),
    and the window around today for recently fulfilled periods. Both are
    merged by period key; HMRC's order is not relied on.
    """
    found: dict[str, Obligation] = {}
    start = today - timedelta(days=LOOK_BACK_DAYS)
    for item in client.obligations(vrn, from_date=start, to_date=start + timedelta(days=365)):
        found[item.period_key] = item
    for item in client.obligations(vrn, status="O"):
        found[item.period_key] = item
    return sorted(found.values(), key=lambda o: o.start)


def sync_obligations(*, tenant: Tenant, initiator: Initiator, actor=None) -> list[VatObligation]:
    """Read open and recent obligations from HMRC and store them; integration errors propagate.

    ``initiator`` says who asked: a person (the button, the wizard) or the
    schedule; HMRC's fraud-prevention headers differ. The HTTP calls happen
    before any write, so no transaction is held open while HMRC answers.
    """
    vrn = vrn_of(tenant)
    try:
        items = read_obligations(HmrcVatClient(tenant, initiator=initiator), vrn, timezone.localdate())
    except HmrcRejected as rejected:
        if grant_check.is_wrong_vrn(rejected):
            grant_check.set_aside(tenant, vrn, actor)  # never "Connected" for a grant that does not cover us
        raise
    grant_check.mark_verified(tenant, vrn)
    now = timezone.now()
    stored: list[VatObligation] = []
    with tenant_context(tenant):  # a transaction with the tenant set, also when called from a task
        for item in items:
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
            extra={
                "vrn": vrn,
                "periods": [o.period_key for o in stored],
                "initiator": initiator.initiator,
                "connection_method": initiator.connection_method,
            },
        )
    return stored
