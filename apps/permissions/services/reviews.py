"""Quarterly access reviews: every staff role, staff account and superuser flag confirmed or revoked.

A beat task runs daily and opens the quarter's review once (the period is
unique). Each item goes to an approver who is not its subject; an item
revoked here takes the privilege away at once, audited with before and after.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import cycle
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.audit.privileged import privileged
from apps.audit.services import record_event
from apps.permissions.errors import ElevationNotPending, ReviewRefused
from apps.permissions.models import APPROVER_ROLES, AccessReview, AccessReviewItem, StaffRoleGrant
from apps.permissions.selectors import can_approve_elevations


def quarter_of(moment: datetime) -> str:
    return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"


def _approvers() -> list[Any]:
    user_ids = StaffRoleGrant.objects.filter(role__in=APPROVER_ROLES, user__is_active=True).values("user_id")
    return list(get_user_model().objects.filter(pk__in=user_ids, is_staff=True).order_by("pk"))


def _items() -> list[tuple[str, Any, str, str]]:
    """(kind, subject, grant_ref, description) for every privilege held right now."""
    User = get_user_model()
    rows: list[tuple[str, Any, str, str]] = []
    for grant in StaffRoleGrant.objects.select_related("user").filter(user__is_active=True):
        rows.append(
            (
                AccessReviewItem.Kind.STAFF_ROLE,
                grant.user,
                str(grant.pk),
                f"{grant.user.email} holds {grant.get_role_display()}",
            )
        )
    for user in User.objects.filter(is_active=True, is_staff=True):
        rows.append((AccessReviewItem.Kind.STAFF_FLAG, user, str(user.pk), f"{user.email} has a staff account"))
    for user in User.objects.filter(is_active=True, is_superuser=True):
        rows.append((AccessReviewItem.Kind.SUPERUSER, user, str(user.pk), f"{user.email} is a superuser"))
    return rows


@transaction.atomic
def open_access_review(now: datetime | None = None) -> AccessReview | None:
    """Open this quarter's review if it is not open yet; None when it already exists."""
    now = now or timezone.now()
    period = quarter_of(now)
    if AccessReview.objects.filter(period=period).exists():
        return None
    try:
        with transaction.atomic():
            review = AccessReview.objects.create(
                period=period, due_at=now + timedelta(days=settings.ACCESS_REVIEW_DAYS)
            )
    except IntegrityError:  # another beat run opened it a moment ago
        return None
    approvers = _approvers()
    turns = cycle(approvers) if approvers else None
    for kind, subject, ref, description in _items():
        reviewer = None
        for _ in range(len(approvers)):
            candidate = next(turns)
            if candidate.pk != subject.pk:
                reviewer = candidate
                break
        AccessReviewItem.objects.create(
            review=review, kind=kind, subject=subject, grant_ref=ref, description=description, reviewer=reviewer
        )
    record_event(
        "permissions.review.opened",
        target=review,
        extra={"period": period, "items": review.items.count(), "due_at": review.due_at.isoformat()},
    )
    return review


def _revoke(item: AccessReviewItem) -> dict[str, Any]:
    subject = item.subject
    if item.kind == AccessReviewItem.Kind.STAFF_ROLE:
        grant = StaffRoleGrant.objects.filter(pk=item.grant_ref).first()
        if grant is not None:
            grant.delete()
            return {"role": grant.role}
        return {}
    if item.kind == AccessReviewItem.Kind.SUPERUSER:
        subject.is_superuser = False
        subject.save(update_fields=["is_superuser"])
        return {"is_superuser": False}
    subject.is_staff = False
    subject.save(update_fields=["is_staff"])
    StaffRoleGrant.objects.filter(user=subject).delete()
    return {"is_staff": False, "roles": []}


@transaction.atomic
@privileged("permissions.review.")
def decide_review_item(
    *, item_id: Any, reviewer: Any, verified: bool, confirm: bool, note: str = ""
) -> AccessReviewItem:
    try:
        item = AccessReviewItem.objects.select_for_update().select_related("subject", "review").get(pk=item_id)
    except AccessReviewItem.DoesNotExist:
        raise ReviewRefused("There is no such review item.") from None
    if not verified or not can_approve_elevations(reviewer):
        raise ReviewRefused("Only a security officer or platform administrator, signed in with 2FA, reviews access.")
    if item.subject_id == reviewer.pk:
        raise ReviewRefused("Someone else must review your own access.")
    if item.decision != AccessReviewItem.Decision.PENDING:
        raise ElevationNotPending("That item has already been decided.")
    before = {
        "is_staff": item.subject.is_staff,
        "is_superuser": item.subject.is_superuser,
        "roles": sorted(StaffRoleGrant.objects.filter(user=item.subject).values_list("role", flat=True)),
    }
    after = before if confirm else {**before, **_revoke(item)}
    item.decision = AccessReviewItem.Decision.CONFIRMED if confirm else AccessReviewItem.Decision.REVOKED
    item.decided_by = reviewer
    item.decided_at = timezone.now()
    item.note = note[:300]
    item.save(update_fields=["decision", "decided_by", "decided_at", "note"])
    record_event(
        "permissions.review.confirmed" if confirm else "permissions.review.revoked",
        actor=reviewer,
        target=item.subject,
        before=before,
        after=after,
        extra={"period": item.review.period, "item": item.description, "note": item.note},
    )
    review = item.review
    if not review.items.filter(decision=AccessReviewItem.Decision.PENDING).exists():
        review.closed_at = timezone.now()
        review.save(update_fields=["closed_at"])
    return item
