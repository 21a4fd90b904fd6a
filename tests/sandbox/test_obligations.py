"""GET /organisations/vat/{vrn}/obligations (docs/contracts/hmrc-vat-api.md, Obligations)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.sandbox.fixtures import DEMO_VRN
from apps.sandbox.models import TestOrganisation
from apps.sandbox.periods import one_year_before, period_containing
from apps.sandbox.scenarios import OBLIGATIONS
from tests.sandbox.conftest import a_return

pytestmark = pytest.mark.django_db


def _expected_periods():
    today = timezone.localdate()
    first = period_containing(one_year_before(today), 1)
    current = period_containing(today, 1)
    return today, first, current


def test_quarterly_obligations_cover_the_last_twelve_months_and_the_next_quarter(hmrc):
    token = hmrc.access_token()
    _today, first, current = _expected_periods()
    window = {"from": first.start.isoformat(), "to": (first.start + timedelta(days=364)).isoformat()}
    response = hmrc.get(f"/{DEMO_VRN}/obligations", token, window)
    assert response.status_code == 200
    obligations = response.json()["obligations"]
    assert obligations[0]["periodKey"] == first.key and obligations[0]["start"] == first.start.isoformat()
    assert all(o["status"] == "O" and "received" not in o for o in obligations)
    assert [o["start"] for o in obligations] == sorted(o["start"] for o in obligations)
    open_only = hmrc.get(f"/{DEMO_VRN}/obligations", token, {"status": "O"}).json()["obligations"]
    last = open_only[-1]
    assert last["start"] == (current.end + timedelta(days=1)).isoformat()  # the quarter after the current one
    for o in open_only:
        assert len(o["periodKey"]) == 4
        end = timezone.datetime.fromisoformat(o["end"]).date()
        assert o["due"] == (end.replace(day=1) + timedelta(days=62)).replace(day=7).isoformat()


def test_a_submitted_return_fulfils_its_obligation(hmrc):
    token = hmrc.access_token()
    today, first, _ = _expected_periods()
    assert hmrc.submit(DEMO_VRN, token, a_return(first.key)).status_code == 201
    params = {"from": first.start.isoformat(), "to": (first.start + timedelta(days=364)).isoformat()}
    obligations = hmrc.get(f"/{DEMO_VRN}/obligations", token, params).json()["obligations"]
    assert obligations[0] == {
        "periodKey": first.key,
        "start": first.start.isoformat(),
        "end": first.end.isoformat(),
        "due": first.due.isoformat(),
        "status": "F",
        "received": today.isoformat(),
    }
    fulfilled = hmrc.get(f"/{DEMO_VRN}/obligations", token, {**params, "status": "F"}).json()["obligations"]
    assert [o["periodKey"] for o in fulfilled] == [first.key]
    open_keys = [
        o["periodKey"] for o in hmrc.get(f"/{DEMO_VRN}/obligations", token, {"status": "O"}).json()["obligations"]
    ]
    assert first.key not in open_keys


def test_no_obligation_in_range_is_404(hmrc):
    token = hmrc.access_token()
    response = hmrc.get(f"/{DEMO_VRN}/obligations", token, {"from": "2017-01-01", "to": "2017-12-31"})
    assert response.status_code == 404
    assert response.json() == {
        "code": "NOT_FOUND",
        "message": "The remote endpoint has indicated that no data can be found",
    }


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"status": "F"}, "MISSING_DATE_RANGE"),
        ({"status": "X"}, "INVALID_STATUS"),
        ({}, "INVALID_DATE_FROM"),
        ({"from": "2026-01-01"}, "INVALID_DATE_TO"),
        ({"to": "2026-01-01"}, "INVALID_DATE_FROM"),
        ({"from": "2026-13-01", "to": "2026-02-01"}, "INVALID_DATE_FROM"),
        ({"from": "26-01-01", "to": "2026-02-01"}, "INVALID_DATE_FROM"),
        ({"from": "2026-01-01", "to": "2026-02-30"}, "INVALID_DATE_TO"),
        ({"from": "2026-01-01", "to": "2026-02-01", "status": ""}, "INVALID_STATUS"),
        ({"from": "2026-01-01", "to": "2026-02-01", "status": "o"}, "INVALID_STATUS"),
        ({"from": "2026-02-01", "to": "2026-02-01"}, "INVALID_DATE_RANGE"),
        ({"from": "2026-02-02", "to": "2026-02-01"}, "INVALID_DATE_RANGE"),
        ({"from": "2025-01-01", "to": "2026-01-02"}, "INVALID_DATE_RANGE"),
    ],
)
def test_parameter_errors_use_the_legacy_body(hmrc, params, message):
    response = hmrc.get(f"/{DEMO_VRN}/obligations", hmrc.access_token(), params)
    assert response.status_code == 400
    assert response.json() == {"statusCode": 400, "message": message}


def test_a_range_of_exactly_one_year_is_allowed(hmrc):
    today = timezone.localdate()
    params = {"from": one_year_before(today).isoformat(), "to": today.isoformat()}
    assert hmrc.get(f"/{DEMO_VRN}/obligations", hmrc.access_token(), params).status_code == 200


@pytest.mark.parametrize("scenario", sorted(s for s, (status, _) in OBLIGATIONS.items() if status == 200))
def test_canned_scenarios_ignore_dates_and_state(hmrc, scenario):
    response = hmrc.get(f"/{DEMO_VRN}/obligations", hmrc.access_token(), {"status": "O"}, scenario=scenario)
    assert response.status_code == 200
    assert response.json() == OBLIGATIONS[scenario][1]


def test_observed_canned_bodies(hmrc):
    token = hmrc.access_token()
    none_met = hmrc.get(f"/{DEMO_VRN}/obligations", token, {"status": "O"}, scenario="QUARTERLY_NONE_MET").json()
    assert none_met == {
        "obligations": [
            {"periodKey": "18A1", "start": "2017-01-01", "end": "2017-03-31", "due": "2017-05-07", "status": "O"}
        ]
    }
    two = hmrc.get(f"/{DEMO_VRN}/obligations", token, {"status": "O"}, scenario="QUARTERLY_TWO_MET").json()
    assert [(o["periodKey"], o["status"], o.get("received")) for o in two["obligations"]] == [
        ("18A1", "F", "2017-05-06"),
        ("18A2", "F", "2017-08-06"),
        ("18A3", "O", None),
    ]
    monthly = hmrc.get(f"/{DEMO_VRN}/obligations", token, {"status": "O"}, scenario="MONTHLY_ONE_MET").json()
    assert [(o["periodKey"], o["due"]) for o in monthly["obligations"]] == [
        ("18AD", "2017-03-07"),
        ("18AE", "2017-04-07"),
    ]


def test_error_scenarios(hmrc):
    token = hmrc.access_token()
    insolvent = hmrc.get(f"/{DEMO_VRN}/obligations", token, {"status": "O"}, scenario="INSOLVENT_TRADER")
    assert insolvent.status_code == 403 and insolvent.json()["code"] == "RULE_INSOLVENT_TRADER"
    not_found = hmrc.get(f"/{DEMO_VRN}/obligations", token, {"status": "O"}, scenario="NOT_FOUND")
    assert not_found.status_code == 404 and not_found.json()["code"] == "NOT_FOUND"


def test_reading_obligations_writes_nothing_once_the_organisation_exists(hmrc):
    token = hmrc.access_token()
    assert TestOrganisation.objects.filter(vrn=DEMO_VRN).exists()  # created when authority was granted
    with CaptureQueriesContext(connections["default"]) as queries:
        assert hmrc.get(f"/{DEMO_VRN}/obligations", token, {"status": "O"}).status_code == 200
    writes = [q["sql"] for q in queries if q["sql"].split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}]
    assert writes == []


def test_the_organisation_is_created_on_first_use(hmrc):
    token = hmrc.access_token()
    TestOrganisation.objects.all().delete()
    assert hmrc.get(f"/{DEMO_VRN}/obligations", token, {"status": "O"}).status_code == 200
    assert TestOrganisation.objects.get(vrn=DEMO_VRN).name == "Brightwater Joinery Ltd"
