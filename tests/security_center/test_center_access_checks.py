"""The access checks' figures from planted data, per business and for the platform, never across businesses."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.audit.services import record_event
from apps.permissions.models import AccessElevation, AccessReview, AccessReviewItem
from apps.security_center.center import access
from apps.security_center.checks import Status
from tests.conftest import make_member
from tests.factories.permissions import make_staff

pytestmark = pytest.mark.django_db


def _device(user) -> None:
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def test_two_factor_counts_owners_without_a_device_in_their_own_business_only(tenant_a, tenant_b, owner_a):
    make_member(tenant_a, "bookkeeper")  # not required to use 2FA
    make_member(tenant_b, "owner")
    make_member(tenant_b, "owner")
    result = access.two_factor(tenant_a)
    assert result.status == Status.FAIL
    assert result.figures["without_device"] == 1
    assert result.summary.startswith("1 without")
    assert access.two_factor(tenant_b).figures["without_device"] == 2
    rows = access.two_factor_evidence(tenant_a).rows
    assert rows == [(owner_a.email, "owner")]
    _device(owner_a)
    assert access.two_factor(tenant_a).status == Status.PASS
    assert access.two_factor(tenant_a).figures["without_device"] == 0
    assert access.two_factor(tenant_b).figures["without_device"] == 2


def test_two_factor_on_the_platform_counts_staff_and_every_owner(tenant_a, owner_a):
    staff = make_staff("support")
    unconfirmed = make_staff("sre")
    TOTPDevice.objects.create(user=unconfirmed, name="never confirmed", confirmed=False)
    result = access.two_factor(None)
    assert result.figures == {"without_device": 3, "staff": 2, "owners": 1}
    assert "2 staff and 1 owner(s)" in result.summary
    emails = {row[0] for row in access.two_factor_evidence(None).rows}
    assert emails == {staff.email, unconfirmed.email, owner_a.email}


def test_reviews_fail_when_one_is_overdue_and_warn_on_pending_items():
    assert access.reviews(None).status == Status.PASS
    subject = make_staff("support")
    review = AccessReview.objects.create(period="2026-Q3", due_at=timezone.now() + timedelta(days=5))
    AccessReviewItem.objects.create(review=review, kind="staff_role", subject=subject, grant_ref="x", description="d")
    result = access.reviews(None)
    assert (result.status, result.figures["pending_items"], result.figures["overdue_reviews"]) == (Status.WARN, 1, 0)
    AccessReview.objects.filter(pk=review.pk).update(due_at=timezone.now() - timedelta(days=1))
    result = access.reviews(None)
    assert (result.status, result.figures["overdue_reviews"]) == (Status.FAIL, 1)
    assert access.reviews_evidence(None).rows[0][:3] == ("review", "2026-Q3", "overdue")


def test_elevation_counts_pending_and_active_per_business(tenant_a, tenant_b):
    staff = make_staff("support")
    approver = make_staff("security_officer")
    now = timezone.now()
    AccessElevation.objects.create(requester=staff, tenant=tenant_a, reason="ticket 1", minutes=30)
    AccessElevation.objects.create(
        requester=staff, tenant=tenant_b, reason="ticket 2", minutes=30, status="approved", approver=approver,
        decided_at=now, expires_at=now + timedelta(minutes=30),
    )  # fmt: skip
    a, b, platform = access.elevation(tenant_a), access.elevation(tenant_b), access.elevation(None)
    assert (a.figures["pending"], a.figures["active"]) == (1, 0)
    assert (b.figures["pending"], b.figures["active"]) == (0, 1)
    assert (platform.figures["pending"], platform.figures["active"]) == (1, 1)
    assert a.status == Status.PASS
    AccessElevation.objects.filter(tenant=tenant_a).update(created_at=now - timedelta(days=2))
    assert access.elevation(tenant_a).status == Status.WARN
    assert access.elevation(tenant_a).figures["pending_over_a_day"] == 1
    assert [row[2] for row in access.elevation_evidence(tenant_a).rows] == [tenant_a.name]


def test_privileged_actions_count_the_business_own_chain_and_link_the_filtered_log(tenant_a, tenant_b, in_tenant):
    with in_tenant(tenant_a):
        record_event("tenancy.membership.created", tenant_id=tenant_a.pk, target_type="membership", target_id="1")
        record_event("tenancy.membership.removed", tenant_id=tenant_a.pk, target_type="membership", target_id="1")
        record_event("ledger.chart.seeded", tenant_id=tenant_a.pk)  # not privileged
    record_event("permissions.staff_role.granted", target_type="user", target_id="7")
    assert access.privileged_actions(tenant_a).figures["last_7_days"] == 2
    assert access.privileged_actions(tenant_b).figures["last_7_days"] == 0
    assert access.privileged_actions(None).figures["last_7_days"] == 1
    evidence = access.privileged_actions_evidence(tenant_a)
    assert [row[1] for row in evidence.rows] == ["tenancy.membership.removed", "tenancy.membership.created"]
    assert evidence.links[0] == f"/t/{tenant_a.slug}/audit/?action=tenancy.membership.removed"
    assert access.privileged_actions_evidence(None).links == ["/staff/audit/?action=permissions.staff_role.granted"]


def test_failed_logins_and_lockouts_in_the_last_day_for_the_business_members_only(tenant_a, tenant_b, owner_a):
    other = make_member(tenant_b, "owner")
    now = timezone.now()
    common = {"user_agent": "t", "get_data": "", "post_data": "", "path_info": "/accounts/login/"}
    AccessAttempt.objects.create(username=owner_a.email, ip_address="10.0.0.1", failures_since_start=5, **common)
    AccessAttempt.objects.create(username=other.email, ip_address="10.0.0.2", failures_since_start=2, **common)
    old = AccessAttempt.objects.create(
        username="gone@example.com", ip_address="10.0.0.3", failures_since_start=9, **common
    )
    AccessAttempt.objects.filter(pk=old.pk).update(attempt_time=now - timedelta(days=2))
    a = access.failed_logins(tenant_a)
    assert (a.status, a.figures["failed_logins"], a.figures["lockouts"]) == (Status.WARN, 5, 1)
    b = access.failed_logins(tenant_b)
    assert (b.status, b.figures["failed_logins"], b.figures["lockouts"]) == (Status.PASS, 2, 0)
    platform = access.failed_logins(None)
    assert (platform.figures["failed_logins"], platform.figures["lockouts"], platform.figures["accounts"]) == (7, 1, 2)
    assert [row[1] for row in access.failed_logins_evidence(tenant_a).rows] == [owner_a.email]
