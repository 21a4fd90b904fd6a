"""Right after Connect: does HMRC's grant cover *this* business's VAT registration number?

A person can sign in at HMRC with the Government Gateway account of another
business (an accountant with several clients, a director of two companies).
HMRC then issues a perfectly good token for the other VRN, and every call for
ours answers 403 CLIENT_OR_AGENT_NOT_AUTHORISED, first seen at filing time.
So the callback asks HMRC at once, with the cheapest authorised read (open
obligations), and a grant for another VRN is never shown as "Connected".

Outcomes: ``verified`` (HMRC answered for our VRN, including "no open
obligations"), ``wrong_vrn`` (the connection is set aside: tokens forgotten,
status says why), ``no_vrn`` (the business has no VAT number yet: checked at
the first sync), ``unverified`` (HMRC could not answer now: connected, and
the page says the check is pending).
"""

from __future__ import annotations

from django.utils import timezone
from stdnum.gb import vat as gb_vat

from apps.audit.services import record_event
from apps.integrations.errors import HmrcRejected, IntegrationError
from apps.integrations.hmrc.initiator import Initiator
from apps.integrations.hmrc.models import HmrcConnection
from apps.integrations.hmrc.states import move_connection
from apps.integrations.hmrc.vat_client import HmrcVatClient
from apps.tenancy.context import tenant_context

VERIFIED, WRONG_VRN, NO_VRN, UNVERIFIED = "verified", "wrong_vrn", "no_vrn", "unverified"
WRONG_VRN_REASON = "HMRC granted access for a different VAT registration number than this business's"


def business_vrn(tenant) -> str:
    compact = gb_vat.compact(getattr(tenant, "vat_number", "") or "")
    return compact[:9] if len(compact) >= 9 and compact[:9].isdigit() else ""


def check_granted_vrn(*, tenant, initiator: Initiator, actor=None) -> str:
    """Ask HMRC whether the new grant covers the business's VRN; record the answer on the connection."""
    vrn = business_vrn(tenant)
    if not vrn:
        return NO_VRN
    try:
        HmrcVatClient(tenant, initiator=initiator).obligations(vrn, status="O")
    except HmrcRejected as rejected:
        if not is_wrong_vrn(rejected):
            return UNVERIFIED
        set_aside(tenant, vrn, actor)
        return WRONG_VRN
    except IntegrationError:
        return UNVERIFIED
    mark_verified(tenant, vrn)
    return VERIFIED


def is_wrong_vrn(error: Exception) -> bool:
    return isinstance(error, HmrcRejected) and error.code == "CLIENT_OR_AGENT_NOT_AUTHORISED"


def mark_verified(tenant, vrn: str) -> None:
    """HMRC answered an authorised call for ``vrn``: the grant covers it (kept for the status page)."""
    with tenant_context(tenant):
        HmrcConnection.objects.filter(tenant=tenant, status=HmrcConnection.Status.CONNECTED).exclude(
            verified_vrn=vrn
        ).update(verified_vrn=vrn, vrn_verified_at=timezone.now())


def set_aside(tenant, vrn: str, actor=None) -> None:
    """HMRC says the grant does not cover ``vrn``: forget the tokens and say why (a person must reconnect)."""
    with tenant_context(tenant):
        connection = HmrcConnection.objects.select_for_update().filter(tenant=tenant).first()
        if connection is None:
            return
        before = connection.status
        connection.access_token = ""
        connection.refresh_token = ""
        connection.expires_at = None
        connection.verified_vrn = ""
        connection.status_reason = f"{WRONG_VRN_REASON} (GB{vrn})"[:200]
        move_connection(connection, "set_aside_wrong_vrn")
        record_event(
            "integrations.hmrc.wrong_vrn",
            actor=actor,
            tenant_id=tenant.pk,
            target=connection,
            before={"status": before},
            after={"status": connection.status},
            extra={"vrn": vrn},
        )
