"""/staff/security/ and a business's security page: who sees them, recorded figures, evidence, no leak.

The pages read the last recorded run and never run a check (decision 0037); the tests record one first.
"""

from __future__ import annotations

import pytest

from apps.audit.models import PLATFORM_CHAIN
from apps.security_center import checks, tasks
from apps.security_center.center.services import record_check_run
from apps.security_center.checks import Check, CheckResult, Scope, Status
from apps.security_center.models import CheckRun
from tests.conftest import make_member
from tests.factories.permissions import make_staff
from tests.helpers import audit_events

pytestmark = pytest.mark.django_db

STAFF = "/staff/security/"


def _row(content: str, check_id: str) -> str:
    start = content.index(f'data-check="{check_id}"')
    return content[start : content.index("</tr>", start)]


def test_a_security_officer_sees_every_check_and_the_checklist(verified_client, tenant_a, owner_a, registry):
    registry.pop("secrets.backend", None)  # another helper's check: absent here, so it must say so
    officer = make_staff("security_officer")
    client = verified_client(officer)
    record_check_run()
    response = client.get(STAFF)
    assert response.status_code == 200
    content = response.content.decode()
    for check_id in ("access.two_factor", "access.reviews", "audit.chain", "backups.status", "secrets.backend"):
        assert f'data-check="{check_id}"' in content
    assert "1 without a confirmed second factor: 0 staff and 1 owner(s)" in _row(content, "access.two_factor")
    assert 'data-status="unknown"' in _row(content, "secrets.backend")
    assert "not registered" in _row(content, "secrets.backend")
    assert 'data-control="GDPR Art. 33"' in content and "No automated check" in content
    assert 'href="/staff/security/evidence/access.two_factor/"' in content


def test_the_staff_evidence_page_and_its_csv(verified_client, tenant_a, owner_a):
    client = verified_client(make_staff("platform_admin"))
    page = client.get(f"{STAFF}evidence/access.two_factor/")
    assert page.status_code == 200 and owner_a.email in page.content.decode()
    csv = client.get(f"{STAFF}evidence/access.two_factor/?format=csv")
    assert csv["Content-Type"].startswith("text/csv")
    assert csv.content.decode().splitlines() == ["Email,Must use 2FA as", f"{owner_a.email},business owner"]
    assert client.get(f"{STAFF}evidence/no.such/").status_code == 404


def test_support_staff_may_not_open_the_security_center(verified_client):
    client = verified_client(make_staff("support"))
    assert client.get(STAFF).status_code == 403
    assert client.get(f"{STAFF}evidence/access.two_factor/").status_code == 403


def test_an_owner_sees_their_business_figures_and_never_another_business(verified_client, tenant_a, tenant_b, owner_a):
    for _ in range(3):
        make_member(tenant_b, "owner")  # three owners without a device in the other business
    co_owner = make_member(tenant_a, "owner")  # the one owner of this business without a device
    client = verified_client(owner_a)
    record_check_run()
    response = client.get(f"/t/{tenant_a.slug}/settings/security/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "1 without a confirmed second factor: 1 owner(s)" in _row(content, "access.two_factor")
    assert 'data-check="access.reviews"' not in content  # a platform check
    assert "Businesses (last run)" not in content
    evidence = client.get(f"/t/{tenant_a.slug}/settings/security/evidence/access.two_factor/").content.decode()
    assert co_owner.email in evidence
    for other in tenant_b.memberships.select_related("user"):
        assert other.user.email not in content and other.user.email not in evidence
    assert client.get(f"/t/{tenant_a.slug}/settings/security/evidence/access.reviews/").status_code == 404
    # The other business's page is not theirs to open.
    assert client.get(f"/t/{tenant_b.slug}/settings/security/").status_code in (403, 404)


def test_a_bookkeeper_may_not_open_the_business_page(verified_client, tenant_a, bookkeeper_a):
    client = verified_client(bookkeeper_a)
    assert client.get(f"/t/{tenant_a.slug}/settings/security/").status_code == 403


def test_the_settings_page_links_the_security_page_for_owners_only(verified_client, tenant_a, owner_a, bookkeeper_a):
    link = f'href="/t/{tenant_a.slug}/settings/security/"'
    assert link in verified_client(owner_a).get(f"/t/{tenant_a.slug}/settings/").content.decode()
    client = verified_client(bookkeeper_a)
    assert link not in client.get(f"/t/{tenant_a.slug}/settings/").content.decode()


def _failing_check(calls: list) -> Check:
    def compute(tenant):
        calls.append(tenant)
        return CheckResult(Status.FAIL, "synthetic failure: 3 things wrong", {"wrong": 3})

    return Check("test.synthetic", "Synthetic check", "access", Scope.BOTH, compute)


def test_the_pages_show_a_failing_check_from_the_latest_run_and_never_run_one(
    verified_client, tenant_a, owner_a, registry
):
    calls: list = []
    checks.register(_failing_check(calls))
    officer_client = verified_client(make_staff("security_officer"))
    before = officer_client.get(STAFF).content.decode()
    assert 'data-status="unknown"' in _row(before, "test.synthetic") and "not recorded yet" in before
    record_check_run()
    ran = len(calls)
    assert ran >= 2  # the platform and the business
    staff_page = officer_client.get(STAFF).content.decode()
    owner_page = verified_client(owner_a).get(f"/t/{tenant_a.slug}/settings/security/").content.decode()
    assert len(calls) == ran  # the GETs ran nothing
    for content in (staff_page, owner_page):
        row = _row(content, "test.synthetic")
        assert 'data-status="fail"' in row and "synthetic failure: 3 things wrong" in row
        assert 'data-testid="run-age"' in content and "Recorded" in content
    assert "1 FAIL" in _row(staff_page, "test.synthetic")  # one business failing in that run


def test_the_staff_button_queues_an_audited_run_after_commit(
    verified_client, django_capture_on_commit_callbacks, monkeypatch
):
    queued: list = []
    monkeypatch.setattr(tasks.run_security_checks, "delay", lambda **kw: queued.append(kw))
    officer = make_staff("security_officer")
    client = verified_client(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{STAFF}run/")
    assert response.status_code == 302 and response["Location"] == STAFF
    assert queued == [{"tenant_id": None, "requested_by": officer.email}]
    recorded = [(e.action, e.actor_id) for e in audit_events(PLATFORM_CHAIN)]
    assert ("security_center.check_run.requested", str(officer.pk)) in recorded
    assert not CheckRun.objects.exists()  # nothing ran during the request


def test_the_buttons_refuse_a_get_and_people_without_the_permission(
    verified_client, tenant_a, bookkeeper_a, monkeypatch
):
    queued: list = []
    monkeypatch.setattr(tasks.run_security_checks, "delay", lambda **kw: queued.append(kw))
    monkeypatch.setattr(tasks.verify_audit_chains, "delay", lambda **kw: queued.append(kw))
    support = verified_client(make_staff("support"))
    assert support.post(f"{STAFF}run/").status_code == 403
    assert support.post(f"{STAFF}verify-chains/run/").status_code == 403
    assert verified_client(make_staff("security_officer")).get(f"{STAFF}run/").status_code == 405
    assert verified_client(bookkeeper_a).post(f"/t/{tenant_a.slug}/settings/security/run/").status_code == 403
    requested = [e for chain in (PLATFORM_CHAIN, tenant_a.pk) for e in audit_events(chain) if "requested" in e.action]
    assert queued == [] and requested == []


def test_an_owner_runs_their_own_business_checks_only(
    verified_client, tenant_a, tenant_b, owner_a, django_capture_on_commit_callbacks, monkeypatch
):
    queued: list = []
    monkeypatch.setattr(tasks.run_security_checks, "delay", lambda **kw: queued.append(kw))
    with django_capture_on_commit_callbacks(execute=True):
        response = verified_client(owner_a).post(f"/t/{tenant_a.slug}/settings/security/run/")
    assert response.status_code == 302
    assert queued == [{"tenant_id": str(tenant_a.pk), "requested_by": owner_a.email}]
    assert "security_center.check_run.requested" in [e.action for e in audit_events(tenant_a.pk)]
    run = CheckRun.objects.get(pk=tasks.run_security_checks(**queued[0]))
    assert run.tenants == 1 and run.tenant_id == tenant_a.pk and run.trigger == "request"
    assert set(run.records.values_list("tenant_id", flat=True)) == {tenant_a.pk}  # no platform, no other business
