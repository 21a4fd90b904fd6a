"""The security center's privacy checks compute from live rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.privacy.models import PrivacyRequest, RetentionRun
from apps.privacy.services.requests import open_request
from apps.privacy.services.retention import run_retention
from apps.security_center.checks import Status, get_check, run_check, run_checks

pytestmark = pytest.mark.django_db


def test_retention_check_follows_the_last_run(settings):
    check = get_check("privacy.retention")
    assert run_check(check).status == Status.FAIL  # never ran
    run_retention(triggered_by="test")
    result = run_check(check)
    assert result.status == Status.WARN and result.figures["dry_run"] is True and "dry run" in result.summary
    assert result.evidence_url == "/staff/privacy/retention/"
    settings.PRIVACY_RETENTION_ENABLED = True
    run_retention(triggered_by="test")
    assert run_check(check).status == Status.PASS
    RetentionRun.objects.update(finished_at=timezone.now() - timedelta(days=3))
    overdue = run_check(check)
    assert overdue.status == Status.FAIL and overdue.figures["overdue"] is True


def test_requests_check_counts_open_requests_against_the_month(tenant_a, tenant_b, owner_a):
    check = get_check("privacy.requests")
    assert run_check(check).status == Status.PASS and run_check(check).figures["open"] == 0
    request = open_request(kind="erasure", subject_tenant=tenant_a, requested_by=owner_a)
    open_request(kind="access", subject_user=owner_a, requested_by=owner_a)
    assert run_check(check).figures == {
        "open": 2, "access": 1, "erasure": 1, "overdue": 0, "oldest_days": 0, "deadline_days": 30,
    }  # fmt: skip
    PrivacyRequest.objects.filter(pk=request.pk).update(
        created_at=timezone.now() - timedelta(days=20), due_at=timezone.now() + timedelta(days=10)
    )
    assert run_check(check).status == Status.WARN
    PrivacyRequest.objects.filter(pk=request.pk).update(due_at=timezone.now() - timedelta(days=1))
    assert run_check(check).status == Status.FAIL
    assert run_check(check, tenant_a).figures["overdue"] == 1
    assert run_check(check, tenant_b).figures["open"] == 0  # another business sees only its own
    ids = {c.id for c, _ in run_checks(tenant_a)}
    assert "privacy.requests" in ids and "privacy.retention" not in ids
