"""Access checks (decision 0027): second factors, access reviews, elevations, privileged actions, failed logins.

Each check has a compute (the figure and status) and an evidence provider (the
rows behind the figure), both reading the live tables. Registered from
``SecurityCenterConfig.ready``. Everything read here sits below the security
center in the layers (accounts, permissions, audit, tenancy) or is a library
(django-otp, django-axes).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q, Sum
from django.utils import timezone
from django_otp import device_classes

from apps.audit.models import PLATFORM_CHAIN, AuditEvent
from apps.audit.privileged import REGISTRY
from apps.core.db_tenant import db_tenant
from apps.permissions.models import AccessElevation, AccessReviewItem
from apps.permissions.selectors import break_glass_to_review, open_reviews, overdue_reviews
from apps.security_center.center.links import audit_log_url, evidence_url
from apps.security_center.checks import Check, CheckResult, Evidence, Scope, Status
from apps.tenancy.models import Membership, Role

if TYPE_CHECKING:
    from apps.tenancy.models import Tenant

PRIVILEGED_WINDOW = timedelta(days=7)
FAILED_LOGIN_WINDOW = timedelta(hours=24)
ELEVATION_WAIT_WARN = timedelta(hours=24)
# The privileged services' audit prefixes (apps/audit/privileged.REGISTRY fills as their modules load; these are
# the ones marked when this was written, so the figure does not depend on import order).
KNOWN_PRIVILEGED_PREFIXES = (
    "backups.drill.",
    "backups.tenant_rows.",
    "filing.return.",
    "outbox.item.",
    "permissions.elevation.",
    "permissions.review.",
    "permissions.staff_role.",
    "security_center.tenant_key.",
    "tenancy.api_token.",
    "tenancy.invitation.",
    "tenancy.membership.",
)


# --- access.two_factor -------------------------------------------------------------------------------------------


def _users_with_device() -> set[int]:
    found: set[int] = set()
    for model in device_classes():
        found.update(model.objects.filter(confirmed=True).values_list("user_id", flat=True))
    return found


def _needing_2fa(tenant: Tenant | None) -> list[tuple[str, str]]:
    """(email, why) of everyone who must use a second factor in this scope and has no confirmed device."""
    owners = Membership.objects.filter(role=Role.OWNER, user__is_active=True)
    if tenant is not None:
        owners = owners.filter(tenant=tenant)
        people = {m.user_id: (m.user.email, "owner") for m in owners.select_related("user")}
    else:
        people = {m.user_id: (m.user.email, "business owner") for m in owners.select_related("user")}
        for user in get_user_model().objects.filter(is_active=True, is_staff=True):
            people[user.pk] = (user.email, "staff")
    with_device = _users_with_device()
    return sorted(who for user_id, who in people.items() if user_id not in with_device)


def two_factor(tenant: Tenant | None) -> CheckResult:
    missing = _needing_2fa(tenant)
    staff = sum(1 for _, why in missing if why == "staff")
    owners = len(missing) - staff
    figures = {"without_device": len(missing), "staff": staff, "owners": owners}
    url = evidence_url("access.two_factor", tenant)
    if not missing:
        everyone = "Every owner" if tenant is not None else "Every staff member and owner"
        return CheckResult(Status.PASS, f"{everyone} has a confirmed second factor", figures, url)
    who = f"{owners} owner(s)" if tenant is not None else f"{staff} staff and {owners} owner(s)"
    return CheckResult(Status.FAIL, f"{len(missing)} without a confirmed second factor: {who}", figures, url)


def two_factor_evidence(tenant: Tenant | None) -> Evidence:
    return Evidence(("Email", "Must use 2FA as"), _needing_2fa(tenant), "Accounts with no confirmed device.")


# --- access.reviews (platform) -----------------------------------------------------------------------------------


def reviews(tenant: Tenant | None) -> CheckResult:
    pending = AccessReviewItem.objects.filter(
        review__closed_at__isnull=True, decision=AccessReviewItem.Decision.PENDING
    ).count()
    figures = {
        "open_reviews": open_reviews().count(),
        "overdue_reviews": overdue_reviews().count(),
        "pending_items": pending,
        "break_glass_unreviewed": break_glass_to_review().count(),
    }
    url = evidence_url("access.reviews", tenant)
    if figures["overdue_reviews"]:
        return CheckResult(
            Status.FAIL,
            f"{figures['overdue_reviews']} access review(s) overdue, {pending} item(s) pending",
            figures,
            url,
        )
    if pending or figures["break_glass_unreviewed"]:
        summary = f"{pending} review item(s) pending; {figures['break_glass_unreviewed']} break-glass access unreviewed"
        return CheckResult(Status.WARN, summary, figures, url)
    return CheckResult(Status.PASS, "No access review item or break-glass access waiting", figures, url)


def reviews_evidence(tenant: Tenant | None) -> Evidence:
    now = timezone.now()
    rows: list[tuple] = []
    for review in open_reviews().order_by("due_at"):
        waiting = review.items.filter(decision=AccessReviewItem.Decision.PENDING).count()
        state = "overdue" if review.due_at < now else "open"
        rows.append(("review", review.period, state, review.due_at.isoformat(timespec="minutes"), waiting))
    for elevation in break_glass_to_review():
        rows.append(("break-glass", str(elevation.pk), "unreviewed", elevation.created_at.isoformat(), 1))
    return Evidence(("Kind", "Which", "State", "Due or started", "Pending items"), rows)


# --- access.elevation --------------------------------------------------------------------------------------------


def _elevations(tenant: Tenant | None):
    found = AccessElevation.objects.all()
    return found.filter(tenant=tenant) if tenant is not None else found


def elevation(tenant: Tenant | None) -> CheckResult:
    now = timezone.now()
    scoped = _elevations(tenant)
    requested = scoped.filter(status=AccessElevation.Status.REQUESTED)
    figures = {
        "pending": requested.count(),
        "pending_over_a_day": requested.filter(created_at__lt=now - ELEVATION_WAIT_WARN).count(),
        "active": scoped.filter(status=AccessElevation.Status.APPROVED, expires_at__gt=now).count(),
        "break_glass_unreviewed": scoped.filter(break_glass=True, reviewed_at__isnull=True).count(),
    }
    summary = f"{figures['pending']} request(s) pending, {figures['active']} active"
    url = evidence_url("access.elevation", tenant)
    if figures["pending_over_a_day"] or figures["break_glass_unreviewed"]:
        summary += (
            f"; {figures['pending_over_a_day']} waiting over a day, "
            f"{figures['break_glass_unreviewed']} break-glass unreviewed"
        )
        return CheckResult(Status.WARN, summary, figures, url)
    return CheckResult(Status.PASS, summary, figures, url)


def elevation_evidence(tenant: Tenant | None) -> Evidence:
    now = timezone.now()
    live = Q(status=AccessElevation.Status.REQUESTED) | Q(status=AccessElevation.Status.APPROVED, expires_at__gt=now)
    rows = [
        (
            e.get_status_display(),
            e.requester.email,
            e.tenant.name,
            "yes" if e.break_glass else "no",
            e.created_at.isoformat(timespec="minutes"),
            e.expires_at.isoformat(timespec="minutes") if e.expires_at else "",
        )
        for e in _elevations(tenant).filter(live).select_related("requester", "tenant").order_by("-created_at")
    ]
    return Evidence(("Status", "Staff member", "Business", "Break-glass", "Requested", "Ends"), rows)


# --- access.privileged_actions -----------------------------------------------------------------------------------


def privileged_prefixes() -> tuple[str, ...]:
    return tuple(sorted(set(KNOWN_PRIVILEGED_PREFIXES) | set(REGISTRY.values())))


def _privileged_events(tenant: Tenant | None, limit: int | None = None) -> tuple[int, list[AuditEvent]]:
    chain = tenant.pk if tenant is not None else PLATFORM_CHAIN
    match = Q()
    for prefix in privileged_prefixes():
        match |= Q(action__startswith=prefix)
    since = timezone.now() - PRIVILEGED_WINDOW
    with db_tenant(chain):
        events = AuditEvent.objects.filter(match, chain=chain, occurred_at__gte=since).order_by("-seq")
        return events.count(), list(events[:limit] if limit else events)


def privileged_actions(tenant: Tenant | None) -> CheckResult:
    count, events = _privileged_events(tenant, limit=1)
    figures = {"last_7_days": count, "last_at": events[0].occurred_at.isoformat() if events else None}
    where = "this business's audit log" if tenant is not None else "the platform audit log"
    return CheckResult(
        Status.PASS,
        f"{count} privileged action(s) in the last 7 days, each audited in {where}",
        figures,
        evidence_url("access.privileged_actions", tenant),
    )


def privileged_actions_evidence(tenant: Tenant | None) -> Evidence:
    _, events = _privileged_events(tenant, limit=500)
    rows = [
        (e.occurred_at.isoformat(timespec="seconds"), e.action, e.actor_label, e.target_type, e.target_id)
        for e in events
    ]
    links = [audit_log_url(tenant, e.action) for e in events]
    note = "Privileged actions of the last 7 days (newest 500); each links to the audit log filtered to its action."
    return Evidence(("When", "Action", "Who", "Object", "Object id"), rows, note, links)


# --- access.failed_logins ----------------------------------------------------------------------------------------


def _attempts(tenant: Tenant | None):
    attempts = AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - FAILED_LOGIN_WINDOW)
    if tenant is not None:  # only the business's own members' sign-ins
        emails = list(Membership.objects.filter(tenant=tenant).values_list("user__email", flat=True))
        attempts = attempts.filter(username__in=emails)
    return attempts


def failed_logins(tenant: Tenant | None) -> CheckResult:
    attempts = _attempts(tenant)
    limit = settings.AXES_FAILURE_LIMIT
    failures = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
    lockouts = attempts.filter(failures_since_start__gte=limit).count()
    figures = {
        "failed_logins": failures,
        "lockouts": lockouts,
        "accounts": attempts.values("username").distinct().count(),
    }
    summary = f"{failures} failed sign-in(s) and {lockouts} lockout(s) in the last 24 h"
    url = evidence_url("access.failed_logins", tenant)
    return CheckResult(Status.WARN if lockouts else Status.PASS, summary, figures, url)


def failed_logins_evidence(tenant: Tenant | None) -> Evidence:
    limit = settings.AXES_FAILURE_LIMIT
    rows = [
        (a.attempt_time.isoformat(timespec="seconds"), a.username, a.ip_address, a.failures_since_start,
         "locked out" if a.failures_since_start >= limit else "")
        for a in _attempts(tenant).order_by("-attempt_time")[:500]
    ]  # fmt: skip
    return Evidence(("Last attempt", "Account", "Address", "Failures", "Lockout"), rows)


ACCESS_CHECKS: tuple[tuple[Check, object], ...] = (
    (
        Check("access.two_factor", "Two-factor authentication", "access", Scope.BOTH, two_factor,
              ("SOC 2 CC6.1", "SOC 2 CC6.6", "GDPR Art. 32")),
        two_factor_evidence,
    ),
    (
        Check("access.reviews", "Access reviews", "access", Scope.PLATFORM, reviews, ("SOC 2 CC6.2", "SOC 2 CC6.3")),
        reviews_evidence,
    ),
    (
        Check("access.elevation", "Elevated access to businesses", "access", Scope.BOTH, elevation,
              ("SOC 2 CC6.3", "SOC 2 CC7.3")),
        elevation_evidence,
    ),
    (
        Check("access.privileged_actions", "Privileged actions", "access", Scope.BOTH, privileged_actions,
              ("SOC 2 CC7.2", "SOC 2 CC7.3")),
        privileged_actions_evidence,
    ),
    (
        Check("access.failed_logins", "Failed sign-ins and lockouts", "access", Scope.BOTH, failed_logins,
              ("SOC 2 CC6.6", "SOC 2 CC7.2")),
        failed_logins_evidence,
    ),
)  # fmt: skip
