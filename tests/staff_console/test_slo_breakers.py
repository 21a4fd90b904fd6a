"""/staff/slo/: the circuit breakers panel (state, failures in a row, opened at, next trial) and its incidents."""

from __future__ import annotations

import pytest

from apps.integrations import breakers
from apps.staff_console.views import slo
from tests.integrations.breaker_helpers import use_store

pytestmark = pytest.mark.django_db

URL = "/staff/slo/"


@pytest.fixture
def staff(staff_user, verified_client):
    return verified_client(staff_user)


def row(html: str, key: str) -> str:
    part = html[html.index(f'data-breaker="{key}"') :]
    return part[: part.index("</tr>")]


def test_every_breaker_is_listed_with_its_state(staff, settings, clock):
    use_store(settings, "memory")
    breakers.reset()
    for _ in range(3):
        breakers.acquire("bank_feed")
        breakers.record("bank_feed", "failure")
    breakers.acquire("hmrc")
    breakers.record("hmrc", "failure")
    html = staff.get(URL).content.decode()
    assert 'id="breakers-table"' in html
    bank = row(html, "bank_feed")
    assert "Open" in bank and "3 <span" in bank and "of 3" in bank
    assert "this process only" in bank  # no Redis configured here: the embedded mode
    assert "–" not in bank.split("</td>")[2]  # opened at is shown
    hmrc = row(html, "hmrc")
    assert "Closed" in hmrc and "1 <span" in hmrc
    assert "Circuit breaker bank_feed is open after 3 failures in a row" in html
    assert "Circuit breaker hmrc" not in html
    clock.advance(31)
    html = staff.get(URL).content.decode()
    assert "Half-open" in row(html, "bank_feed") and "now" in row(html, "bank_feed")
    breakers.reset()


def test_the_page_still_renders_when_the_breakers_cannot_be_read(staff, monkeypatch):
    def broken(key):
        raise RuntimeError("store gone")

    monkeypatch.setattr(slo.breakers, "snapshot", broken)
    response = staff.get(URL)
    assert response.status_code == 200
    assert "The breakers' state cannot be read just now." in response.content.decode()
