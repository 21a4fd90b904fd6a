"""/staff/slo/: SLOs from the application's own records, synthetic checks, degraded banners (staff + 2FA only)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from waffle import switch_is_active

from apps.monitors import sli
from apps.observability import slos
from apps.observability.models import DegradedDependency, SyntheticRun
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_switch_cache")]


URL = "/staff/slo/"


@pytest.fixture
def staff(staff_user, verified_client):
    return verified_client(staff_user)


@pytest.fixture
def eager_tasks():
    """Tasks run in-process (the embedded mode) even when the suite has a broker (CI)."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def second_client(user):
    """A separate signed-in, 2FA-verified client (verified_client reuses the one test client)."""
    from django.test import Client
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="second", confirmed=True)
    other = Client()
    other.force_login(user)
    session = other.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return other


def test_only_verified_staff_get_in(client, staff_user, owner_a, verified_client):
    assert client.get(URL).status_code == 302  # anonymous: the sign-in page
    assert verified_client(owner_a).get(URL).status_code == 403
    client.force_login(UserFactory(is_staff=True))  # staff without 2FA
    assert client.get(URL).status_code in (302, 403)
    assert reverse("slo:dashboard") == URL


def test_every_slo_is_listed_with_live_figures(staff, tenant_a, in_tenant):
    now = timezone.now()
    for minutes, ok in ((5, True), (20, True), (70, False), (300, True)):
        SyntheticRun.objects.create(
            check_name="login", ok=ok, duration_seconds=0.1, at=now - timedelta(minutes=minutes)
        )
    response = staff.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    for slo in slos.SLOS:
        assert f'data-slo="{slo.id}"' in html
    assert "Prometheus only" in html  # portal availability: no request log in the application
    row = html[html.index('data-slo="synthetics-check-success"') :]
    row = row[: row.index("</tr>")]
    assert "75.00%" in row  # 3 of 4 synthetic runs passed
    assert "<polyline" in row


def test_report_arithmetic_budget_and_burn_rates():
    now = timezone.now()
    # 1000 events over 30 days at a steady pace, the last 10 (within the hour) all bad; objective 99%.
    events = [(now - timedelta(minutes=40 * i + 1), i >= 10) for i in range(1000)]
    slo = next(s for s in slos.SLOS if s.id == "synthetics-check-success")
    sli.SOURCES[slo.id] = (lambda since: sli._from_events(events), "test events")
    try:
        r = sli.report(slo, now=now)
    finally:
        sli.SOURCES[slo.id] = (sli._synthetic, "synthetic check runs")
    assert (r.good, r.total) == (990, 1000)
    assert r.value == pytest.approx(99.0)
    assert r.budget_remaining == pytest.approx(0.0)  # 1% bad of a 1% budget: exactly spent
    assert r.burn_1h == pytest.approx(100.0)  # two events in the last hour, both bad: 100% / 1%
    assert r.burn_6h == pytest.approx(100.0 * 9 / 9)  # the nine in 6 h are all bad
    assert r.points[-1][1] == pytest.approx(0.0) and r.points[0][1] == pytest.approx(1.0)
    chart = sli.budget_chart(r.points)
    assert len(chart["points"].split()) == len(r.points)


def test_ocr_slis_come_from_task_runs(staff, tenant_a, in_tenant):
    from apps.documents.models import TaskRun
    from apps.documents.services.upload import upload_document
    from tests.documents.samples import pdf_bytes

    document = upload_document(tenant=tenant_a, content=pdf_bytes(["x"]), filename="x.pdf").document
    now = timezone.now()
    with in_tenant(tenant_a):
        TaskRun.objects.filter(document=document).update(
            state="succeeded", started_at=now - timedelta(seconds=8), finished_at=now
        )
    median = sli.report(next(s for s in slos.SLOS if s.id == "ocr-latency-median"))
    p99 = sli.report(next(s for s in slos.SLOS if s.id == "ocr-latency-p99"))
    assert (median.good, median.total) == (0, 1)  # 8 s is over the 6 s median threshold
    assert (p99.good, p99.total) == (1, 1)


def test_run_checks_now_in_the_embedded_mode(staff, settings, eager_tasks):
    settings.CELERY_BROKER_URL = ""  # what the view looks at to run the checks in the request
    settings.SITE_URL = "http://127.0.0.1:9"  # health fails: nothing listens
    response = staff.post(reverse("slo:run-checks"))
    assert response.status_code == 302
    assert set(SyntheticRun.objects.values_list("check_name", flat=True)) == {"health", "login", "upload", "filing"}
    html = staff.get(URL).content.decode()
    assert "Synthetic check “health” is failing" in html


@pytest.mark.django_db(transaction=True)  # waffle flushes its switch cache on commit
def test_staff_set_a_banner_users_see_it_on_affected_pages_only(staff, owner_a, tenant_a):
    response = staff.post(reverse("slo:set-banner", kwargs={"dependency": "hmrc"}), {"message": ""})
    assert response.status_code == 302
    assert switch_is_active("hmrc_degraded")
    notice = DegradedDependency.objects.get(dependency="hmrc")
    assert notice.source == "staff" and notice.message.startswith("HMRC is not answering")
    member = second_client(owner_a)
    home = member.get(reverse("tenancy:home", kwargs={"tenant_slug": tenant_a.slug})).content.decode()
    assert "HMRC is not answering; your return is saved and will be sent when it is back." in home
    documents = member.get(reverse("documents:list", kwargs={"tenant_slug": tenant_a.slug})).content.decode()
    assert "HMRC is not answering" not in documents  # not an HMRC page
    staff.post(reverse("slo:clear-banner", kwargs={"dependency": "hmrc"}))
    assert not switch_is_active("hmrc_degraded")
    home = member.get(reverse("tenancy:home", kwargs={"tenant_slug": tenant_a.slug})).content.decode()
    assert "HMRC is not answering" not in home


def test_ocr_banner_shows_on_documents_pages(staff, owner_a, tenant_a):
    staff.post(reverse("slo:set-banner", kwargs={"dependency": "ocr"}), {"message": "Reading is slow today."})
    html = second_client(owner_a).get(reverse("documents:list", kwargs={"tenant_slug": tenant_a.slug}))
    assert "Reading is slow today." in html.content.decode()


def test_bad_input_is_refused_without_a_write(staff):
    response = staff.post(reverse("slo:set-banner", kwargs={"dependency": "hmrc"}), {"message": "x" * 301})
    assert response.status_code == 400
    assert "too long" in response.content.decode()
    assert not DegradedDependency.objects.exists() and not switch_is_active("hmrc_degraded")
    assert staff.post("/staff/slo/degraded/nonsense/", {"message": "m"}).status_code == 404
    assert staff.get(reverse("slo:set-banner", kwargs={"dependency": "hmrc"})).status_code == 405


def test_setting_a_banner_is_audited(staff, staff_user):
    from apps.audit.models import PLATFORM_CHAIN, AuditEvent
    from apps.tenancy.context import tenant_context

    staff.post(reverse("slo:set-banner", kwargs={"dependency": "bank_feed"}), {"message": "Bank feed down."})
    with tenant_context(PLATFORM_CHAIN):
        assert AuditEvent.objects.filter(action="observability.degraded.set").exists()


def test_firing_alerts_from_alertmanager_are_listed(staff, settings):
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    alerts = [
        {"labels": {"alertname": "FilingBacklog", "severity": "page"}, "annotations": {"summary": "2 returns wait"}},
        {"labels": {"alertname": "Watchdog", "severity": "none"}, "annotations": {"summary": "always"}},
    ]

    class FakeAlertmanager(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            assert self.path.startswith("/api/v2/alerts?active=true")
            body = json.dumps(alerts).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeAlertmanager)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings.ALERTMANAGER_URL = f"http://127.0.0.1:{server.server_address[1]}"
        html = staff.get(URL).content.decode()
    finally:
        server.shutdown()
    assert "Alert firing: FilingBacklog (page): 2 returns wait" in html
    assert "Watchdog" not in html.split("incidents-h")[1].split("</section>")[0]
    settings.ALERTMANAGER_URL = "http://127.0.0.1:9"  # not answering: the page still renders, and says so
    response = staff.get(URL)
    assert response.status_code == 200 and "ALERTMANAGER_URL" in response.content.decode()
