"""While a dependency's breaker is open its effects are parked, then released: one trial half-open, all closed."""

from __future__ import annotations

import pytest

from apps.integrations.breakers import CircuitOpen
from apps.outbox.models import OutboxItem, OutboxState
from apps.outbox.services import enqueue, relay
from tests.outbox.conftest import BEHAVIOUR, CALLS, deliver

pytestmark = pytest.mark.django_db
S = OutboxState


def _hmrc_effect(tenant, n):
    return enqueue("tests.outbox.effect", key=f"hmrc-{n}", kwargs={"tenant_id": str(tenant.pk), "n": n},
                   tenant_id=tenant.pk, dependency="hmrc")  # fmt: skip


def _states():
    return sorted(OutboxItem.objects.values_list("state", flat=True))


def test_an_effect_enqueued_while_the_breaker_is_open_starts_parked_and_is_not_sent(tenant_a, broker, breaker):
    breaker["hmrc"] = "open"
    item = _hmrc_effect(tenant_a, 1)
    assert item.state == S.PARKED
    assert relay().sent == 0 and broker == []


def test_a_task_that_meets_an_open_breaker_is_parked_not_retried(tenant_a, broker, breaker):
    item = _hmrc_effect(tenant_a, 1)
    BEHAVIOUR.append(CircuitOpen("hmrc", service="HMRC"))
    assert deliver(item) == "parked"
    item.refresh_from_db()
    assert item.state == S.PARKED and "hmrc" in item.last_error


def test_a_due_item_whose_breaker_opened_is_parked_by_the_relay(tenant_a, broker, breaker):
    item = _hmrc_effect(tenant_a, 1)
    OutboxItem.objects.filter(pk=item.pk).update(available_at=item.created_at)
    breaker["hmrc"] = "open"
    assert relay().parked == 1 and broker == []


def test_half_open_releases_one_trial_closed_releases_the_rest_and_each_runs_once(tenant_a, broker, breaker):
    breaker["hmrc"] = "open"
    items = [_hmrc_effect(tenant_a, n) for n in range(4)]
    assert relay().released == 0
    breaker["hmrc"] = "half_open"
    assert relay().released == 1
    assert relay().released == 0  # the trial is still on its way: no second one
    trial = OutboxItem.objects.get(state=S.DISPATCHED)
    assert deliver(trial) == "done"
    breaker["hmrc"] = "closed"
    report = relay()
    assert report.released == 3 and report.sent == 3
    for item in OutboxItem.objects.filter(state=S.DISPATCHED):
        deliver(item)
        deliver(item)  # a duplicate message changes nothing
    assert _states() == [S.DONE] * 4
    assert sorted(call["n"] for call in CALLS) == [0, 1, 2, 3]  # each effect reached the "API" exactly once
    assert {i.pk for i in items} == set(OutboxItem.objects.values_list("pk", flat=True))


def test_other_dependencies_are_not_held_back(tenant_a, broker, breaker):
    breaker["hmrc"] = "open"
    _hmrc_effect(tenant_a, 1)
    bank = enqueue("tests.outbox.effect", key="bank", kwargs={"tenant_id": str(tenant_a.pk)}, dependency="bank_feed")
    assert bank.state == S.PENDING
