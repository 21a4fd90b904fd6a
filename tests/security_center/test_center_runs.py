"""The recorded runs (platform and each business), their history, the gauges, the beat tasks and the checklist."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from prometheus_client import CollectorRegistry, generate_latest

from apps.security_center import tasks
from apps.security_center.center import compliance, selectors
from apps.security_center.center.collectors import AuditChainCollector, SecurityCheckCollector
from apps.security_center.center.services import purge_old_runs, record_check_run
from apps.security_center.checks import (
    NOT_REGISTERED,
    Check,
    CheckResult,
    Scope,
    Status,
    register,
    run_check,
    worst,
)
from apps.security_center.models import ChainVerification, CheckRecord, CheckRun
from tests.conftest import make_member

pytestmark = pytest.mark.django_db


def _scrape(collector) -> str:
    scrape = CollectorRegistry()
    scrape.register(collector)
    return generate_latest(scrape).decode()


def test_a_run_records_the_platform_and_each_business_inside_its_context(tenant_a, tenant_b, owner_a, registry):
    seen = []

    def spy(tenant):
        from apps.tenancy.context import current_tenant_id

        seen.append((tenant.pk if tenant else None, current_tenant_id()))
        return CheckResult(Status.PASS, "fine", {"n": 1, "nested": {"dropped": True}})

    register(Check("test.spy", "Spy", "test", Scope.BOTH, spy))
    make_member(tenant_b, "owner")
    make_member(tenant_b, "owner")
    run = record_check_run(trigger="command")
    assert run.finished_at is not None and run.tenants == 2
    assert sorted(seen, key=str) == sorted(
        [(None, None), (tenant_a.pk, tenant_a.pk), (tenant_b.pk, tenant_b.pk)], key=str
    )
    spy_record = CheckRecord.objects.get(run=run, check_id="test.spy", tenant_id=tenant_a.pk)
    assert spy_record.figures == {"n": 1}  # only plain values are kept
    two_factor = {
        r.tenant_id: r.figures["without_device"]
        for r in CheckRecord.objects.filter(run=run, check_id="access.two_factor")
    }
    assert two_factor == {None: 3, tenant_a.pk: 1, tenant_b.pk: 2}
    assert not CheckRecord.objects.filter(run=run, check_id="access.reviews", tenant_id__isnull=False).exists()
    assert selectors.across_businesses(run)["access.two_factor"] == {"fail": 2}


def test_history_is_per_scope_oldest_first_and_old_runs_are_purged(tenant_a, owner_a, settings):
    first = record_check_run()
    TOTPDevice.objects.create(user=owner_a, name="phone", confirmed=True)
    record_check_run()
    past = selectors.history(tenant_a.pk)["access.two_factor"]
    assert [r.status for r in past] == ["fail", "pass"]
    CheckRun.objects.filter(pk=first.pk).update(started_at=timezone.now() - timedelta(days=91))
    ChainVerification.objects.create(verified_at=timezone.now() - timedelta(days=91), chains=1, events=0, ok=True)
    settings.SECURITY_CHECK_HISTORY_DAYS = 90
    assert purge_old_runs() >= 1
    assert CheckRun.objects.count() == 1 and not ChainVerification.objects.exists()
    assert [r.status for r in selectors.history(tenant_a.pk)["access.two_factor"]] == ["pass"]


def test_the_gauges_count_scopes_by_status_without_a_business_label(tenant_a, tenant_b, owner_a):
    assert "strongroom_security_check_status{" not in _scrape(SecurityCheckCollector())
    make_member(tenant_b, "owner")
    tasks.run_security_checks()
    text = _scrape(SecurityCheckCollector())
    assert 'strongroom_security_check_status{check="access.two_factor",status="fail"} 3.0' in text
    assert 'strongroom_security_check_status{check="access.two_factor",status="pass"} 0.0' in text
    assert "strongroom_security_checks_last_run_timestamp_seconds" in text
    assert str(tenant_a.pk) not in text and "tenant" not in text


def test_the_audit_chain_gauges_follow_the_last_verification():
    assert "strongroom_audit_chain_verified{" not in _scrape(AuditChainCollector())
    assert tasks.verify_audit_chains() is True
    text = _scrape(AuditChainCollector())
    assert 'strongroom_audit_chain_verified{chain="all"} 1.0' in text
    assert "strongroom_audit_chain_last_verified_timestamp_seconds" in text
    ChainVerification.objects.create(verified_at=timezone.now(), chains=1, events=1, ok=False, broken_chains=["x"])
    assert 'strongroom_audit_chain_verified{chain="all"} 0.0' in _scrape(AuditChainCollector())


def test_a_check_that_raises_is_unknown_and_does_not_break_the_others(registry):
    def boom(tenant):
        raise RuntimeError("down")

    result = run_check(register(Check("test.boom", "Boom", "test", Scope.PLATFORM, boom)))
    assert (result.status, result.summary) == (Status.UNKNOWN, "could not compute: RuntimeError")
    assert worst([Status.PASS, Status.WARN]) == Status.WARN
    assert worst([Status.WARN, Status.UNKNOWN, Status.FAIL]) == Status.FAIL
    assert worst([]) == Status.NOT_APPLICABLE


def _item(control: str) -> compliance.Item:
    return next(i for i in compliance.CHECKLIST if i.control == control)


def test_every_required_control_is_in_the_checklist():
    controls = {item.control for item in compliance.CHECKLIST}
    assert {f"SOC 2 CC6.{n}" for n in range(1, 9)} | {f"SOC 2 CC7.{n}" for n in range(1, 6)} <= controls
    assert {f"GDPR Art. {n}" for n in (5, 17, 30, 32, 33)} <= controls


def test_a_checklist_item_follows_its_checks_and_says_when_nothing_checks_it(tenant_a, owner_a, registry):
    cc72 = _item("SOC 2 CC7.2")  # failed logins, privileged actions, audit chain
    ChainVerification.objects.create(verified_at=timezone.now(), chains=2, events=0, ok=True)
    results = {c.id: r for c, r in _pairs(None)}
    assert compliance.evaluate(cc72, results).status == Status.PASS
    ChainVerification.objects.create(verified_at=timezone.now(), chains=2, events=0, ok=False, broken_chains=["x"])
    broken = compliance.evaluate(cc72, {c.id: r for c, r in _pairs(None)})
    assert broken.status == Status.FAIL
    assert any(r.check_id == "audit.chain" and r.status == Status.FAIL for r in broken.reasons)
    manual = compliance.evaluate(_item("SOC 2 CC6.4"), results)
    assert (manual.automated, manual.status_label) == (False, "no automated check")
    # A check the item names that nobody registered is UNKNOWN, never a pass.
    ChainVerification.objects.create(verified_at=timezone.now(), chains=2, events=0, ok=True)
    registry.pop("access.failed_logins")
    missing = compliance.evaluate(cc72, {c.id: r for c, r in _pairs(None)})
    assert missing.status == Status.UNKNOWN
    assert any(r.summary == NOT_REGISTERED for r in missing.reasons)
    # On a business's page, a platform-only check is out of scope (N/A), not a failure.
    cc62 = compliance.evaluate(_item("SOC 2 CC6.2"), {c.id: r for c, r in _pairs(tenant_a)})
    assert {r.check_id: r.status for r in cc62.reasons}["access.reviews"] == Status.NOT_APPLICABLE
    assert cc62.status == Status.FAIL  # the owner has no second factor


def _pairs(tenant):
    from apps.security_center.checks import run_checks
    from apps.tenancy.context import tenant_context

    if tenant is None:
        return run_checks(None)
    with tenant_context(tenant):
        return run_checks(tenant)


@pytest.mark.urls("tests.security_center.no_urls")
def test_links_are_empty_when_the_pages_are_not_mounted(tenant_a):
    from apps.security_center.center.links import audit_log_url, evidence_url

    assert evidence_url("access.two_factor", None) == evidence_url("access.two_factor", tenant_a) == ""
    assert audit_log_url(None, "a.b.c") == audit_log_url(tenant_a, "a.b.c") == ""


def test_the_gauges_yield_nothing_when_the_database_fails(monkeypatch):
    def down(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(CheckRun.objects, "filter", down)
    monkeypatch.setattr(ChainVerification.objects, "order_by", down)
    assert list(SecurityCheckCollector().collect()) == []
    assert list(AuditChainCollector().collect()) == []
    assert len(list(SecurityCheckCollector().describe())) == 2


def test_records_name_themselves():
    run = record_check_run()
    record = CheckRecord.objects.filter(run=run).first()
    verification = ChainVerification.objects.create(verified_at=timezone.now(), chains=1, events=0, ok=False)
    assert str(run).startswith("check run ") and str(record) == f"{record.check_id}: {record.status}"
    assert "BROKEN" in str(verification)


def test_the_beat_schedule_runs_both_jobs_hourly_on_the_maintenance_queue(settings):
    from config.celery import app

    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"maintenance.run_security_checks", "maintenance.verify_audit_chains"} <= schedule
    app.loader.import_default_modules()
    assert {"maintenance.run_security_checks", "maintenance.verify_audit_chains"} <= set(app.tasks)
    assert app.amqp.router.route({}, "maintenance.run_security_checks")["queue"].name == "maintenance"


def test_the_command_records_a_run_and_prints_the_platform_results(tenant_a, owner_a):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("run_security_checks", stdout=out)
    text = out.getvalue()
    assert "FAIL     access.two_factor: 1 without a confirmed second factor" in text
    assert "1 businesses checked; 1 failing result(s) across them." in text
    assert CheckRun.objects.get().trigger == "command"
