"""Elevated access: asked for, approved by someone else, in force only verified and until it ends, all audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.audit.models import PLATFORM_CHAIN, AuditEvent
from apps.permissions.errors import ElevationNotPending, ElevationRefused
from apps.permissions.models import AccessElevation
from apps.permissions.selectors import active_elevation
from apps.permissions.services.elevation import (
    approve_elevation,
    break_glass,
    deny_elevation,
    end_elevation,
    expire_elevations,
    request_elevation,
    review_break_glass,
)
from apps.tenancy.context import db_tenant
from tests.factories.permissions import make_staff

REASON = "Ticket SR-1042: the owner cannot see their March bank lines"


@pytest.fixture
def support(db):
    return make_staff("support", email="sam.support@example.test")


@pytest.fixture
def officer(db):
    return make_staff("security_officer", email="olu.officer@example.test")


def _request(support, tenant, minutes=30):
    return request_elevation(requester=support, verified=True, tenant=tenant, reason=REASON, minutes=minutes)


def _actions(tenant=None):
    chain = PLATFORM_CHAIN if tenant is None else tenant.pk
    with db_tenant(chain):
        return list(AuditEvent.objects.filter(chain=chain).values_list("action", flat=True))


def test_approved_by_someone_else_gives_access_until_it_ends(
    support, officer, tenant_a, owner_a, django_capture_on_commit_callbacks
):
    elevation = _request(support, tenant_a)
    assert active_elevation(support, tenant_a.pk) is None
    with django_capture_on_commit_callbacks(execute=True):
        approve_elevation(elevation_id=elevation.pk, approver=officer, verified=True)
    live = active_elevation(support, tenant_a.pk)
    assert live == elevation
    assert live.expires_at - live.decided_at == timedelta(minutes=30)
    # The owner is told, and both chains say it.
    assert [m.to for m in mail.outbox] == [[owner_a.email]]
    assert "until" in mail.outbox[0].body and REASON in mail.outbox[0].body
    for chain in (tenant_a, None):
        assert {"permissions.elevation.requested", "permissions.elevation.approved"} <= set(_actions(chain))


def test_nobody_approves_their_own_request_nor_without_an_approving_role(support, officer, tenant_a):
    elevation = _request(support, tenant_a)
    with pytest.raises(ElevationRefused, match="Someone else"):
        approve_elevation(elevation_id=elevation.pk, approver=support, verified=True)
    other_support = make_staff("support", "sre")
    with pytest.raises(ElevationRefused, match="security officer"):
        approve_elevation(elevation_id=elevation.pk, approver=other_support, verified=True)
    with pytest.raises(ElevationRefused, match="two-factor"):
        approve_elevation(elevation_id=elevation.pk, approver=officer, verified=False)
    elevation.refresh_from_db()
    assert elevation.status == AccessElevation.Status.REQUESTED


def test_the_database_refuses_self_approval_whatever_the_code_does(support, tenant_a):
    elevation = _request(support, tenant_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        AccessElevation.objects.filter(pk=elevation.pk).update(
            status="approved", approver=support, decided_at=timezone.now(), expires_at=timezone.now()
        )


def test_approved_without_an_approver_or_an_end_is_refused_by_the_database(support, tenant_a):
    elevation = _request(support, tenant_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        AccessElevation.objects.filter(pk=elevation.pk).update(status="approved")


def test_a_request_needs_a_verified_staff_session_a_reason_and_a_sane_length(support, tenant_a, owner_a):
    with pytest.raises(ElevationRefused, match="two-factor"):
        request_elevation(requester=support, verified=False, tenant=tenant_a, reason=REASON, minutes=30)
    with pytest.raises(ElevationRefused, match="Only Strongroom staff"):
        request_elevation(requester=owner_a, verified=True, tenant=tenant_a, reason=REASON, minutes=30)
    with pytest.raises(ElevationRefused, match="Say why"):
        request_elevation(requester=support, verified=True, tenant=tenant_a, reason="  because ", minutes=30)
    with pytest.raises(ElevationRefused, match="between 1 and 240"):
        request_elevation(requester=support, verified=True, tenant=tenant_a, reason=REASON, minutes=100000)
    assert not AccessElevation.objects.exists()


def test_one_waiting_request_per_business_and_decisions_happen_once(support, officer, tenant_a):
    elevation = _request(support, tenant_a)
    with pytest.raises(ElevationNotPending):
        _request(support, tenant_a)
    deny_elevation(elevation_id=elevation.pk, approver=officer, verified=True, note="No ticket")
    with pytest.raises(ElevationNotPending, match="denied"):
        approve_elevation(elevation_id=elevation.pk, approver=officer, verified=True)
    assert active_elevation(support, tenant_a.pk) is None


def test_access_is_to_one_business_only(support, officer, tenant_a, tenant_b):
    approve_elevation(elevation_id=_request(support, tenant_a).pk, approver=officer, verified=True)
    assert active_elevation(support, tenant_a.pk) is not None
    assert active_elevation(support, tenant_b.pk) is None


def test_it_ends_by_itself_and_the_expiry_is_audited(support, officer, tenant_a):
    elevation = approve_elevation(elevation_id=_request(support, tenant_a, 5).pk, approver=officer, verified=True)
    later = timezone.now() + timedelta(minutes=6)
    assert expire_elevations(now=timezone.now()) == 0
    AccessElevation.objects.filter(pk=elevation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert active_elevation(support, tenant_a.pk) is None  # ended at expires_at, before the sweep
    assert expire_elevations(now=later) == 1
    elevation.refresh_from_db()
    assert elevation.status == AccessElevation.Status.EXPIRED
    assert "permissions.elevation.expired" in _actions(tenant_a)
    assert expire_elevations(now=later) == 0


def test_revoked_by_an_officer_or_ended_by_the_requester(support, officer, tenant_a, tenant_b):
    first = approve_elevation(elevation_id=_request(support, tenant_a).pk, approver=officer, verified=True)
    end_elevation(elevation_id=first.pk, actor=officer)
    assert active_elevation(support, tenant_a.pk) is None
    second = approve_elevation(elevation_id=_request(support, tenant_b).pk, approver=officer, verified=True)
    end_elevation(elevation_id=second.pk, actor=support)
    assert active_elevation(support, tenant_b.pk) is None
    bystander = make_staff("support")
    third = _request(support, tenant_a)
    with pytest.raises(ElevationRefused):
        end_elevation(elevation_id=third.pk, actor=bystander)


def test_a_staff_account_that_loses_staff_status_loses_its_elevation(support, officer, tenant_a):
    approve_elevation(elevation_id=_request(support, tenant_a).pk, approver=officer, verified=True)
    support.is_staff = False
    support.save(update_fields=["is_staff"])
    assert active_elevation(support, tenant_a.pk) is None


def test_break_glass_is_immediate_short_loud_and_reviewed_by_someone_else(
    officer, tenant_a, owner_a, django_capture_on_commit_callbacks
):
    sre = make_staff("sre", email="sid.sre@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        elevation = break_glass(requester=sre, verified=True, tenant=tenant_a, reason="P1 incident INC-77: stuck")
    assert active_elevation(sre, tenant_a.pk) == elevation
    assert elevation.minutes == 30 and elevation.approver is None
    recipients = sorted(address for m in mail.outbox for address in m.to)
    assert recipients == sorted([owner_a.email, officer.email])
    assert "permissions.elevation.break_glass" in _actions(tenant_a)
    with pytest.raises(ElevationRefused):
        review_break_glass(elevation_id=elevation.pk, reviewer=sre, verified=True, note="Looked fine to me")
    review_break_glass(elevation_id=elevation.pk, reviewer=officer, verified=True, note="Checked INC-77 timeline")
    with pytest.raises(ElevationNotPending):
        review_break_glass(elevation_id=elevation.pk, reviewer=officer, verified=True, note="Checked twice now")


def test_support_cannot_break_glass(support, tenant_a):
    with pytest.raises(ElevationRefused, match="Break-glass"):
        break_glass(requester=support, verified=True, tenant=tenant_a, reason="I would like to look around")


@pytest.mark.postgres
def test_postgres_refuses_an_approver_without_an_approving_role(support, tenant_a):
    """The trigger of migration 0002: even a hand-written UPDATE cannot approve by the wrong person."""
    elevation = _request(support, tenant_a)
    other_support = make_staff("support")
    with pytest.raises(IntegrityError, match="approving staff role"), transaction.atomic():
        AccessElevation.objects.filter(pk=elevation.pk).update(
            status="approved", approver=other_support, decided_at=timezone.now(), expires_at=timezone.now()
        )


@pytest.mark.postgres
def test_postgres_accepts_an_approver_with_the_role(support, officer, tenant_a):
    elevation = _request(support, tenant_a)
    AccessElevation.objects.filter(pk=elevation.pk).update(
        status="approved", approver=officer, decided_at=timezone.now(), expires_at=timezone.now()
    )
