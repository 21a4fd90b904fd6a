"""Elevated access: a staff member asks for time-boxed access to one business, someone else approves.

Every step is written to the platform's audit chain and to the business's own
chain (its owners read it), and the owners are emailed when access starts.
Only a 2FA-verified session may ask, approve or use an elevation. The
database refuses self-approval (check constraint) and, on PostgreSQL, an
approver without an approving role (trigger); the checks here say why in
words first.

Break-glass is the loud path for emergencies: it starts at once without an
approver, is short, emails the owners and every security officer, and stays
on the console's list until someone else reviews it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.audit.privileged import privileged
from apps.audit.services import record_event
from apps.permissions.errors import ElevationNotPending, ElevationRefused
from apps.permissions.models import APPROVER_ROLES, AccessElevation, StaffRole, StaffRoleGrant
from apps.permissions.selectors import can_approve_elevations, staff_roles_of
from apps.permissions.services.notify import notify_owners, notify_users
from apps.permissions.states import move_elevation
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Tenant

BREAK_GLASS_ROLES = frozenset({StaffRole.SRE, StaffRole.SECURITY_OFFICER, StaffRole.PLATFORM_ADMIN})
UNVERIFIED = "Elevated access needs a session signed in with two-factor authentication."


def _audit(action: str, elevation: AccessElevation, actor: Any, **extra: Any) -> None:
    """The same event in the business's chain and the platform chain."""
    details = {
        "elevation": str(elevation.pk),
        "requester": elevation.requester.email,
        "reason": elevation.reason,
        **{k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in extra.items()},
    }
    with tenant_context(elevation.tenant):
        record_event(action, actor=actor, tenant_id=elevation.tenant_id, target=elevation, extra=details)
    record_event(action, actor=actor, target=elevation, extra={"tenant": elevation.tenant.slug, **details})


def _require_staff(user: Any, verified: bool) -> None:
    if not (user.is_authenticated and user.is_active and user.is_staff):
        raise ElevationRefused("Only Strongroom staff can ask for access to a business.")
    if not verified:
        raise ElevationRefused(UNVERIFIED)


def _locked(elevation_id: Any) -> AccessElevation:
    try:
        return AccessElevation.objects.select_for_update().select_related("tenant", "requester").get(pk=elevation_id)
    except AccessElevation.DoesNotExist:
        raise ElevationRefused("There is no such access request.") from None


def _clean_reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if len(reason) < 10:
        raise ElevationRefused("Say why you need access (a ticket number and the problem), in at least 10 characters.")
    return reason[:500]


@transaction.atomic
@privileged("permissions.elevation.")
def request_elevation(*, requester: Any, verified: bool, tenant: Tenant, reason: str, minutes: int) -> AccessElevation:
    _require_staff(requester, verified)
    limit = settings.ELEVATION_MAX_MINUTES
    if not 1 <= int(minutes) <= limit:
        raise ElevationRefused(f"Ask for between 1 and {limit} minutes of access.")
    if AccessElevation.objects.filter(
        requester=requester, tenant=tenant, status=AccessElevation.Status.REQUESTED
    ).exists():
        raise ElevationNotPending("You already have a request waiting for this business.")
    elevation = AccessElevation.objects.create(
        requester=requester, tenant=tenant, reason=_clean_reason(reason), minutes=int(minutes)
    )
    _audit("permissions.elevation.requested", elevation, requester, minutes=elevation.minutes)
    return elevation


@transaction.atomic
@privileged("permissions.elevation.")
def approve_elevation(*, elevation_id: Any, approver: Any, verified: bool) -> AccessElevation:
    _require_staff(approver, verified)
    elevation = _locked(elevation_id)
    if elevation.requester_id == approver.pk:
        raise ElevationRefused("Someone else must approve your request.")
    if not can_approve_elevations(approver):
        raise ElevationRefused("Only a security officer or a platform administrator can approve access.")
    if elevation.status != AccessElevation.Status.REQUESTED:
        raise ElevationNotPending(f"That request is already {elevation.get_status_display().lower()}.")
    now = timezone.now()
    changes = {"approver": approver, "decided_at": now, "expires_at": now + timedelta(minutes=elevation.minutes)}
    move_elevation(elevation, "approve", changes=changes)
    _audit("permissions.elevation.approved", elevation, approver, expires_at=elevation.expires_at)
    notify_owners(
        elevation.tenant,
        f"Strongroom staff have access to {elevation.tenant.name}",
        f"{elevation.requester.email} was given access to {elevation.tenant.name} until "
        f"{timezone.localtime(elevation.expires_at):%d %b %Y %H:%M} ({elevation.minutes} minutes), "
        f"approved by {approver.email}.\n\nReason: {elevation.reason}\n\n"
        "Every page they open is recorded in your business's audit log.",
    )
    return elevation


@transaction.atomic
@privileged("permissions.elevation.")
def deny_elevation(*, elevation_id: Any, approver: Any, verified: bool, note: str = "") -> AccessElevation:
    _require_staff(approver, verified)
    elevation = _locked(elevation_id)
    if not can_approve_elevations(approver) or elevation.requester_id == approver.pk:
        raise ElevationRefused("Only another security officer or platform administrator can deny this request.")
    if elevation.status != AccessElevation.Status.REQUESTED:
        raise ElevationNotPending(f"That request is already {elevation.get_status_display().lower()}.")
    changes = {"approver": approver, "decided_at": timezone.now(), "review_note": note[:500]}
    move_elevation(elevation, "deny", changes=changes)
    _audit("permissions.elevation.denied", elevation, approver, note=note[:500])
    return elevation


@transaction.atomic
@privileged("permissions.elevation.")
def end_elevation(*, elevation_id: Any, actor: Any) -> AccessElevation:
    """The requester ends their own access early, or an approver revokes it (requested or in force)."""
    elevation = _locked(elevation_id)
    own = elevation.requester_id == actor.pk
    if not (own or can_approve_elevations(actor)):
        raise ElevationRefused("Only the requester, a security officer or a platform administrator can end it.")
    if elevation.status not in (AccessElevation.Status.REQUESTED, AccessElevation.Status.APPROVED):
        raise ElevationNotPending(f"That access is already {elevation.get_status_display().lower()}.")
    move_elevation(elevation, "revoke", changes={"ended_by": actor, "ended_at": timezone.now()})
    _audit("permissions.elevation.revoked", elevation, actor, by_requester=own)
    return elevation


@transaction.atomic
@privileged("permissions.elevation.")
def break_glass(*, requester: Any, verified: bool, tenant: Tenant, reason: str) -> AccessElevation:
    _require_staff(requester, verified)
    if not staff_roles_of(requester) & BREAK_GLASS_ROLES:
        raise ElevationRefused("Break-glass access is for SRE, security officers and platform administrators.")
    now = timezone.now()
    minutes = settings.BREAK_GLASS_MINUTES
    elevation = AccessElevation.objects.create(
        requester=requester,
        tenant=tenant,
        reason=_clean_reason(reason),
        minutes=minutes,
        break_glass=True,
        status=AccessElevation.Status.APPROVED,
        decided_at=now,
        expires_at=now + timedelta(minutes=minutes),
    )
    _audit("permissions.elevation.break_glass", elevation, requester, expires_at=elevation.expires_at)
    body = (
        f"{requester.email} used BREAK-GLASS access to {tenant.name} for {minutes} minutes, without approval.\n\n"
        f"Reason: {elevation.reason}\n\nA security officer must review it in the staff console."
    )
    notify_owners(tenant, f"Emergency access to {tenant.name} by Strongroom staff", body)
    officers = list(
        StaffRoleGrant.objects.filter(role__in=APPROVER_ROLES, user__is_active=True)
        .exclude(user=requester)
        .values_list("user__email", flat=True)
        .distinct()
    )
    notify_users(officers, f"Break-glass access to {tenant.name}: review needed", body)
    return elevation


@transaction.atomic
@privileged("permissions.elevation.")
def review_break_glass(*, elevation_id: Any, reviewer: Any, verified: bool, note: str) -> AccessElevation:
    _require_staff(reviewer, verified)
    elevation = _locked(elevation_id)
    if not elevation.break_glass:
        raise ElevationRefused("Only break-glass access is reviewed after the fact.")
    if elevation.requester_id == reviewer.pk or not can_approve_elevations(reviewer):
        raise ElevationRefused("Another security officer or platform administrator must review this.")
    if elevation.reviewed_at is not None:
        raise ElevationNotPending("That break-glass access has already been reviewed.")
    note = " ".join((note or "").split())
    if len(note) < 10:
        raise ElevationRefused("Write what you checked, in at least 10 characters.")
    elevation.reviewed_by = reviewer
    elevation.reviewed_at = timezone.now()
    elevation.review_note = note[:500]
    elevation.save(update_fields=["reviewed_by", "reviewed_at", "review_note"])
    _audit("permissions.elevation.reviewed", elevation, reviewer, note=elevation.review_note)
    return elevation


def expire_elevations(now: datetime | None = None) -> int:
    """Mark approved elevations past their end as expired, one audited row at a time (beat, every minute).

    Access already ends at ``expires_at`` without this (the selector checks the
    time); this makes the end visible and audited.
    """
    now = now or timezone.now()
    due = list(
        AccessElevation.objects.filter(status=AccessElevation.Status.APPROVED, expires_at__lte=now).values_list(
            "pk", flat=True
        )
    )
    expired = 0
    for pk in due:
        with transaction.atomic():
            elevation = _locked(pk)
            if elevation.status != AccessElevation.Status.APPROVED or elevation.expires_at > now:
                continue
            move_elevation(elevation, "expire", changes={"ended_at": elevation.expires_at})
            _audit("permissions.elevation.expired", elevation, None, expired_at=elevation.expires_at)
            expired += 1
    return expired


def record_use(elevation: AccessElevation, *, actor: Any, method: str, path: str) -> None:
    """Each page a staff member opens under an elevation, in both chains."""
    _audit("permissions.elevation.used", elevation, actor, method=method, path=path[:300])
