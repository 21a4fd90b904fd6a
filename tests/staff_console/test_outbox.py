"""/staff/outbox/: items by state with age, dependency, sends and last error; a dead one sent again, audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.outbox.models import OutboxItem, OutboxState
from apps.staff_console.views.outbox import age
from tests.factories import UserFactory
from tests.helpers import audit_actions

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(staff_user, verified_client):
    return verified_client(staff_user)


def _item(key, state, **fields):
    return OutboxItem.objects.create(key=key, task_name="filing.submit_vat_return", kwargs={"return_id": key},
                                     state=state, available_at=timezone.now(), **fields)  # fmt: skip


def test_the_page_lists_items_by_state_with_their_age_and_last_error(staff, tenant_a):
    old = _item("a", OutboxState.PARKED, dependency="hmrc", tenant_id=tenant_a.pk, last_error="hmrc circuit open")
    OutboxItem.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=2, minutes=5))
    _item("b", OutboxState.DONE)
    page = staff.get(reverse("staff-outbox:list")).content.decode()
    assert "hmrc circuit open" in page and "2 h 5 min" in page and "HMRC" in page
    parked = staff.get(reverse("staff-outbox:list") + "?state=parked").content.decode()
    assert 'data-state="parked"' in parked and 'data-state="done"' not in parked.split("outbox-items")[1]
    assert staff.get(reverse("staff-outbox:list") + "?state=nonsense").status_code == 200  # ignored, not a 500


def test_a_dead_item_is_sent_again_and_audited(staff):
    dead = _item("c", OutboxState.DEAD, attempts=8, last_error="Sent 8 times without finishing.")
    page = staff.get(reverse("staff-outbox:list") + "?state=dead").content.decode()
    assert "Send again" in page
    response = staff.post(reverse("staff-outbox:retry", kwargs={"item_id": dead.pk}))
    assert response.status_code == 302
    dead.refresh_from_db()
    assert (dead.state, dead.attempts) == (OutboxState.PENDING, 0)
    assert "outbox.item.retried" in audit_actions()
    # Not dead any more: a second press is refused politely, nothing changes.
    response = staff.post(reverse("staff-outbox:retry", kwargs={"item_id": dead.pk}), follow=True)
    assert response.status_code == 200 and "Only a dead item" in response.content.decode()


def test_the_page_is_behind_the_console_gate(client):
    client.force_login(UserFactory())
    assert client.get(reverse("staff-outbox:list")).status_code == 403


@pytest.mark.parametrize(("seconds", "words"), [(5, "5 s"), (600, "10 min"), (3 * 3600 + 60, "3 h 1 min"),
                                                (2 * 86400 + 7200, "2 d 2 h")])  # fmt: skip
def test_ages_read_at_a_glance(seconds, words):
    assert age(seconds) == words
