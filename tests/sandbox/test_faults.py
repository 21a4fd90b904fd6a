"""Fault injection: the service API, each mode on each service, the cache, the command and the staff page."""

from __future__ import annotations

import base64
import random

import pytest
from django.core.management import CommandError, call_command

from apps.integrations.bank_feed import api_key as bank_key
from apps.integrations.companies_house import api_key as ch_key
from apps.sandbox.fixtures import DEMO_COMPANY_NUMBER, DEMO_VRN
from apps.sandbox.models import Fault
from apps.sandbox.services import faults
from apps.sandbox.services.faults import clear_faults, current_faults, set_fault
from tests.helpers import audit_actions
from tests.sandbox.conftest import AUTHORIZE, auth_params

pytestmark = pytest.mark.django_db


def call(service: str, client, hmrc=None):
    if service == "hmrc":
        return hmrc.get(f"/{DEMO_VRN}/obligations", hmrc.token, {"status": "O"})
    if service == "companies_house":
        auth = "Basic " + base64.b64encode(f"{ch_key()}:".encode()).decode()
        return client.get(f"/sandbox/companies-house/company/{DEMO_COMPANY_NUMBER}", HTTP_AUTHORIZATION=auth)
    return client.get("/sandbox/bank/accounts", HTTP_X_API_KEY=bank_key())


@pytest.fixture
def hmrc_with_token(hmrc):
    hmrc.token = hmrc.access_token()
    return hmrc


SERVICES = ["hmrc", "companies_house", "bank"]


@pytest.mark.parametrize("service", SERVICES)
def test_outage(service, client, hmrc_with_token):
    set_fault(service, outage=True)
    response = call(service, client, hmrc_with_token)
    assert response.status_code == 503
    if service == "hmrc":
        assert response.json() == {"code": "SERVICE_UNAVAILABLE", "message": "Internal server error"}
    clear_faults(service)
    assert call(service, client, hmrc_with_token).status_code == 200


@pytest.mark.parametrize("service", SERVICES)
def test_rate_limited(service, client, hmrc_with_token):
    set_fault(service, rate_limited=True)
    response = call(service, client, hmrc_with_token)
    assert response.status_code == 429
    if service == "hmrc":
        assert response.json()["code"] == "MESSAGE_THROTTLED_OUT"
        assert "Retry-After" not in response


@pytest.mark.parametrize("service", SERVICES)
def test_error_rate_is_drawn_from_the_injected_random_source(service, client, hmrc_with_token):
    set_fault(service, error_rate=0.5)
    faults.set_random_source(random.Random(7))
    reference = random.Random(7)
    expected = [reference.random() < 0.5 for _ in range(12)]
    faults.set_random_source(random.Random(7))
    statuses = [call(service, client, hmrc_with_token).status_code for _ in range(12)]
    assert statuses == [500 if failed else 200 for failed in expected]
    assert 500 in statuses and 200 in statuses
    set_fault(service, error_rate=1.0)
    response = call(service, client, hmrc_with_token)
    assert response.status_code == 500
    if service == "hmrc":
        assert response.json()["code"] == "INTERNAL_SERVER_ERROR"


@pytest.mark.parametrize("service", SERVICES)
def test_latency_sleeps_then_answers(service, client, hmrc_with_token, monkeypatch):
    slept: list[float] = []
    monkeypatch.setattr(faults, "sleep", slept.append)
    set_fault(service, latency_ms=250)
    assert call(service, client, hmrc_with_token).status_code == 200
    assert slept == [0.25]


def test_faults_also_reach_the_oauth_endpoints(hmrc, client):
    set_fault("hmrc", outage=True)
    assert client.get(AUTHORIZE, auth_params()).status_code == 503
    response = hmrc.token_request(grant_type="client_credentials")
    assert response.status_code == 503 and response.json()["error"] == "server_error"


def test_set_fault_replaces_and_clear_all(db):
    set_fault("bank", outage=True, latency_ms=10)
    set_fault("bank", rate_limited=True)
    assert current_faults("bank") == faults.FaultState(rate_limited=True)
    set_fault("hmrc", outage=True)
    clear_faults()
    assert not Fault.objects.exists()
    assert all(not state.active for state in faults.all_faults().values())


@pytest.mark.parametrize(
    "kwargs", [{"error_rate": 1.5}, {"error_rate": -0.1}, {"latency_ms": -1}, {"latency_ms": 10**6}]
)
def test_set_fault_refuses_nonsense(db, kwargs):
    with pytest.raises(ValueError):
        set_fault("hmrc", **kwargs)
    assert not Fault.objects.exists()


def test_unknown_service(db):
    with pytest.raises(faults.UnknownService):
        set_fault("hmrcc", outage=True)
    with pytest.raises(faults.UnknownService):
        clear_faults("nope")


def test_the_cache_is_short_and_set_fault_refreshes_it(db, settings, monkeypatch):
    settings.SANDBOX_FAULT_CACHE_SECONDS = 2
    ticks = iter([100.0, 100.5, 101.0, 103.0, 103.1])
    monkeypatch.setattr(faults.time, "monotonic", lambda: next(ticks))
    assert not current_faults("hmrc").outage  # read at t=100
    Fault.objects.create(service="hmrc", outage=True)  # written by another process
    assert not current_faults("hmrc").outage  # t=100.5: still cached
    assert not current_faults("hmrc").outage  # t=101: still cached
    assert current_faults("hmrc").outage  # t=103: expired, read again
    clear_faults("hmrc")  # this process's own change is seen at once
    assert not current_faults("hmrc").outage


def test_management_command(db, capsys):
    call_command("sandbox_fault", "hmrc", "--outage", "--latency-ms", "100")
    assert current_faults("hmrc") == faults.FaultState(outage=True, latency_ms=100)
    call_command("sandbox_fault", "bank", "--error-rate", "0.25", "--rate-limited")
    assert current_faults("bank") == faults.FaultState(error_rate=0.25, rate_limited=True)
    call_command("sandbox_fault", "hmrc", "--clear")
    assert not current_faults("hmrc").active and current_faults("bank").active
    call_command("sandbox_fault", "all", "--clear")
    assert not Fault.objects.exists()
    with pytest.raises(CommandError):
        call_command("sandbox_fault", "all", "--outage")
    with pytest.raises(CommandError):
        call_command("sandbox_fault", "bank", "--error-rate", "2")


def test_staff_page_is_for_verified_staff_only(client, user, staff_user, verified_client):
    assert client.get("/sandbox/").status_code == 302  # anonymous: to the login page
    client.force_login(user)
    assert client.get("/sandbox/").status_code == 403
    staff = verified_client(staff_user)
    page = staff.get("/sandbox/")
    assert page.status_code == 200
    html = page.content.decode()
    assert DEMO_VRN in html and DEMO_COMPANY_NUMBER in html and "Injected faults" in html


def test_staff_switch_a_fault_and_it_is_audited(staff_user, verified_client):
    staff = verified_client(staff_user)
    response = staff.post(
        "/sandbox/", {"service": "companies_house", "outage": "on", "latency_ms": "0", "error_rate": "0"}
    )
    assert response.status_code == 302
    assert current_faults("companies_house") == faults.FaultState(outage=True)
    assert Fault.objects.get(service="companies_house").updated_by == staff_user.email
    assert "sandbox.fault.set" in audit_actions()
    bad = staff.post("/sandbox/", {"service": "hmrc", "latency_ms": "0", "error_rate": "3"})
    assert bad.status_code == 400
    assert not current_faults("hmrc").active


@pytest.mark.parametrize("model", ["company", "bankaccount", "testorganisation", "fault"])
def test_admin_lists_sandbox_data(verified_client, model):
    from tests.factories import UserFactory

    admin_user = UserFactory(is_staff=True, is_superuser=True)
    set_fault("bank", outage=True)
    response = verified_client(admin_user).get(f"/admin/sandbox/{model}/")
    assert response.status_code == 200
