"""/staff/slo/chaos/: chaos experiment results for SRE and platform admins (2FA), refused to other staff."""

from __future__ import annotations

import pytest
from django.utils import timezone

from apps.monitors.chaos import record_chaos_run
from tests.factories.permissions import make_staff

pytestmark = pytest.mark.django_db
URL = "/staff/slo/chaos/"


def run(experiment="redis-restart", status="deviated"):
    now = timezone.now()
    journal = {"run": [{"activity": {"name": "crash-and-restart-redis"}, "status": "succeeded", "duration": 4.2,
                        "output": {"appendonly": False}}]}  # fmt: skip
    return record_chaos_run(experiment=experiment, tier="short", started_at=now, finished_at=now, status=status,
                            deviated=True, figures={"lost": 3, "duplicated": 0, "drain_seconds": None},
                            journal=journal)  # fmt: skip


@pytest.mark.parametrize("role", ["sre", "platform_admin"])
def test_sre_and_platform_admins_see_the_runs_and_a_journal(verified_client, role):
    client = verified_client(make_staff(role))
    stored = run()
    page = client.get(URL)
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-experiment="redis-restart"' in body and "Deviated" in body and "not drained" in body
    detail = client.get(f"{URL}{stored.pk}/")
    assert detail.status_code == 200 and "crash-and-restart-redis" in detail.content.decode()


@pytest.mark.parametrize("role", ["support", "security_officer"])
def test_other_staff_are_refused(verified_client, role):
    client = verified_client(make_staff(role))
    assert client.get(URL).status_code == 403


def test_an_unknown_run_is_a_404_and_a_post_is_refused(verified_client):
    client = verified_client(make_staff("sre"))
    assert client.get(f"{URL}999999/").status_code == 404
    assert client.post(URL).status_code == 405


def test_the_console_nav_links_to_it(verified_client):
    client = verified_client(make_staff("sre"))
    assert f'href="{URL}"' in client.get(URL).content.decode()


def test_staff_without_the_permission_get_no_link(verified_client):
    client = verified_client(make_staff("support"))
    assert f'href="{URL}"' not in client.get("/staff/slo/").content.decode()
