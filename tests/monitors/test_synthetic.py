"""Synthetic monitors: each check runs the real path, is stored, exported, and drives the degraded banners."""

from __future__ import annotations

import pytest
from django.conf import settings

from apps.accounts.models import User
from apps.monitors import synthetic
from apps.monitors.collectors import SyntheticCollector
from apps.monitors.tasks import synthetic_check
from apps.observability.models import DegradedDependency, SyntheticRun
from apps.tenancy.models import Tenant

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_switch_cache():
    """waffle caches switches; the database rolls back between tests but the cache does not."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def synthetic_tenant(in_tenant):
    tenant, _ = synthetic.ensure_synthetic_tenant()
    return tenant


@pytest.fixture
def eager_tasks():
    """Tasks run in-process (the embedded mode) even when the suite has a broker (CI)."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def exported(check: str) -> float | None:
    for family in SyntheticCollector().collect():
        for sample in family.samples:
            if sample.name == "strongroom_synthetic_check_success" and sample.labels == {"check": check}:
                return sample.value
    return None


def test_ensure_synthetic_tenant_is_idempotent(synthetic_tenant):
    again, created = synthetic.ensure_synthetic_tenant()
    assert not created and again.pk == synthetic_tenant.pk
    assert Tenant.objects.filter(slug=synthetic.SYNTHETIC_TENANT_SLUG).count() == 1
    assert User.objects.filter(email=synthetic.SYNTHETIC_USER_EMAIL).count() == 1


def test_login_goes_through_the_real_backends_and_keeps_no_plain_password(synthetic_tenant):
    run = synthetic.run_check("login")
    assert run.ok, run.error
    user = User.objects.get(email=synthetic.SYNTHETIC_USER_EMAIL)
    assert user.password and synthetic._password_for() not in user.password  # stored hashed only
    assert exported("login") == 1


def test_a_configured_password_that_no_longer_works_fails_the_check(synthetic_tenant, settings):
    settings.SYNTHETIC_MONITOR_PASSWORD = "a long configured synthetic password"
    synthetic.ensure_synthetic_tenant()
    assert synthetic.run_check("login").ok
    user = User.objects.get(email=synthetic.SYNTHETIC_USER_EMAIL)
    user.set_password("someone changed it in the admin")
    user.save()
    run = synthetic.run_check("login")
    assert not run.ok and "refused" in run.error
    assert exported("login") == 0


def test_many_processes_and_restarts_without_a_configured_password_never_lock_the_monitor_out(
    synthetic_tenant, settings
):
    """Issue #17: with the password unset each process chose its own; the others' sign-ins failed and
    django-axes locked the account. Now every process derives the same one and never tries a wrong one."""
    from django.contrib.auth.signals import user_login_failed

    settings.SYNTHETIC_MONITOR_PASSWORD = ""
    failed: list[dict] = []

    def count(sender, credentials, **kwargs):
        failed.append(credentials)

    user_login_failed.connect(count, dispatch_uid="test-synthetic-failures")
    try:
        for n in range(settings.AXES_FAILURE_LIMIT * 2):
            # Between two runs another process (or this one before a restart) set the password it chose.
            user = User.objects.get(email=synthetic.SYNTHETIC_USER_EMAIL)
            user.set_password(f"chosen by process {n}")
            user.save(update_fields=["password"])
            run = synthetic.run_check("login")
            assert run.ok, run.error
    finally:
        user_login_failed.disconnect(dispatch_uid="test-synthetic-failures")
    assert failed == [], "the monitor never fails its own sign-in, so never counts towards its lockout"
    assert synthetic._password_for() == synthetic._password_for(), "the same in every process: derived, not random"


def test_a_configured_password_that_does_not_match_is_not_tried_so_it_cannot_lock_the_account(
    synthetic_tenant, settings
):
    from axes.models import AccessAttempt

    settings.SYNTHETIC_MONITOR_PASSWORD = "a long configured synthetic password"
    synthetic.ensure_synthetic_tenant()
    user = User.objects.get(email=synthetic.SYNTHETIC_USER_EMAIL)
    user.set_password("someone changed it in the admin")
    user.save()
    for _ in range(settings.AXES_FAILURE_LIMIT * 2):
        assert not synthetic.run_check("login").ok
    assert not AccessAttempt.objects.filter(username=synthetic.SYNTHETIC_USER_EMAIL).exists()
    synthetic.ensure_synthetic_tenant()  # set-up puts the configured password back: the next run signs in
    assert synthetic.run_check("login").ok


def test_an_inactive_synthetic_user_fails_the_check(synthetic_tenant):
    User.objects.filter(email=synthetic.SYNTHETIC_USER_EMAIL).update(is_active=False)
    assert not synthetic.run_check("login").ok


@pytest.mark.django_db(transaction=True)
def test_upload_reaches_posted_and_each_run_is_a_new_document(synthetic_tenant, in_tenant, eager_tasks):
    from apps.documents.models import Document, DocumentState

    first, second = synthetic.run_check("upload"), synthetic.run_check("upload")
    assert first.ok and second.ok, (first.error, second.error)
    with in_tenant(synthetic_tenant):
        assert Document.objects.filter(state=DocumentState.POSTED).count() == 2
    assert exported("upload") == 1


def test_upload_without_the_synthetic_tenant_fails_with_the_fix():
    run = synthetic.run_check("upload")
    assert not run.ok and "ensure_synthetic_tenant" in run.error


def test_health_reads_readiness_over_http(live_server, settings):
    settings.SITE_URL = live_server.url
    run = synthetic.run_check("health")
    assert run.ok, run.error
    settings.SITE_URL = "http://127.0.0.1:9"  # nothing listens there
    assert not synthetic.run_check("health").ok


def test_filing_without_sandboxes_is_skipped_with_a_reason_until_the_business_is_connected(synthetic_tenant, settings):
    settings.SANDBOX_ENABLED = False
    run = synthetic.run_check("filing")
    assert run.skipped and not run.ok and run.error.startswith("not available")
    assert exported("filing") is None  # a skipped check is neither success nor failure


def test_filing_dry_run_connects_the_synthetic_business_to_the_sandbox_and_reads_obligations(
    synthetic_tenant, sandbox_http
):
    from apps.integrations.hmrc.selectors import is_connected

    run = synthetic.run_check("filing")
    assert run.ok, run.error
    assert is_connected(synthetic_tenant)
    assert any("/obligations" in r.url for r in sandbox_http.requests)
    assert synthetic.run_check("filing").ok  # and again, on the stored connection


def test_the_task_runs_a_check_and_the_beat_schedule_runs_all_every_minute(synthetic_tenant):
    assert synthetic_check.apply(kwargs={"check": "login"}).get() is True
    assert SyntheticRun.objects.filter(check_name="login", ok=True).exists()
    scheduled = {e["kwargs"]["check"] for e in settings.CELERY_BEAT_SCHEDULE.values()
                 if e["task"] == "maintenance.synthetic_check" and e["schedule"] == 60.0}  # fmt: skip
    assert scheduled == set(synthetic.CHECKS)
    from config.celery import app

    assert app.amqp.router.route({}, "maintenance.synthetic_check")["queue"].name == "maintenance"


@pytest.mark.django_db(transaction=True)
def test_failures_in_a_row_set_the_banner_and_recovery_clears_it(synthetic_tenant, monkeypatch, settings, eager_tasks):
    from waffle import switch_is_active

    settings.SYNTHETIC_DEGRADED_AFTER = 2
    real = synthetic.CHECKS["upload"]
    monkeypatch.setitem(synthetic.CHECKS, "upload", lambda: (_ for _ in ()).throw(RuntimeError("OCR down")))
    synthetic.run_check("upload")
    assert not switch_is_active("ocr_degraded"), "one failure is not enough"
    synthetic.run_check("upload")
    assert switch_is_active("ocr_degraded")
    assert DegradedDependency.objects.get(dependency="ocr").source == "synthetic"
    monkeypatch.setitem(synthetic.CHECKS, "upload", real)
    assert synthetic.run_check("upload").ok
    assert not switch_is_active("ocr_degraded")


@pytest.mark.django_db(transaction=True)
def test_recovery_never_clears_a_banner_staff_set(synthetic_tenant, staff_user, eager_tasks):
    from waffle import switch_is_active

    from apps.monitors.banners import set_degraded

    set_degraded("ocr", message="Planned maintenance of document reading until 14:00.", source="staff", user=staff_user)
    assert synthetic.run_check("upload").ok
    assert switch_is_active("ocr_degraded")
    assert DegradedDependency.objects.get(dependency="ocr").message.startswith("Planned maintenance")
