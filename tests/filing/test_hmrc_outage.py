"""An HMRC outage from start to finish, with the real breaker, the real outbox and the real banners.

Real failures from the sandbox open HMRC's breaker; the banner tells people their return is saved; a return approved
during the outage is parked in the outbox, not sent; after recovery one trial closes the breaker, the banner goes,
the outbox and the resume sweep drain, and HMRC holds exactly one return per period. Only the broker is replaced
(messages are recorded and delivered by the test, as a worker would take them) and the breaker's clock is moved.
"""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.filing.models import VatReturn
from apps.filing.services import submission
from apps.filing.tasks import resume_vat_submissions, submit_vat_return, sync_tenant_obligations
from apps.integrations import breakers, http
from apps.integrations.errors import ExternalServiceUnavailable
from apps.observability.models import DegradedDependency
from apps.outbox.models import OutboxItem, OutboxState
from apps.outbox.services import relay
from apps.sandbox.models import VatReturn as SandboxVatReturn
from apps.sandbox.services.faults import clear_faults, set_fault
from apps.tenancy.context import tenant_context
from tests.filing.conftest import sale
from tests.filing.test_submission import approve
from tests.integrations.breaker_helpers import use_store

pytestmark = [
    pytest.mark.django_db(transaction=True),  # waffle's switch cache is flushed on commit
    pytest.mark.usefixtures("fresh_switch_cache"),
]
SAVED = "your return is saved and will be sent when it is back"


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def hmrc_breaker(request, settings, clock):
    use_store(settings, request.param)  # fails after 3, half-open after 30 s
    breakers.reset()
    yield
    breakers.reset()
    clear_faults()


@pytest.fixture
def return_posts(monkeypatch) -> list[str]:
    """The outcome of every VAT return POST that left for HMRC ("ok" or the error's code)."""
    posts: list[str] = []
    real = http.call

    def recording(client, operation, method, url, **kwargs):
        if method != "POST" or not url.rstrip("/").endswith("/returns"):
            return real(client, operation, method, url, **kwargs)
        try:
            result = real(client, operation, method, url, **kwargs)
        except Exception as error:
            posts.append(getattr(error, "code", type(error).__name__))
            raise
        posts.append("ok")
        return result

    monkeypatch.setattr(http, "call", recording)
    return posts


def _deliver(item: OutboxItem) -> str:
    """A worker takes the message for ``item`` (the task runs with its outbox id, as from Redis)."""
    return submit_vat_return.apply(kwargs={**item.kwargs, "outbox_id": str(item.pk)}).get()


def _submission_items() -> list[OutboxItem]:
    return list(OutboxItem.objects.filter(task_name="filing.submit_vat_return").order_by("created_at"))


def _period_page(client, tenant, obligation) -> str:
    url = reverse("filing:period", kwargs={"tenant_slug": tenant.slug, "period_key": obligation.period_key})
    return client.get(url).content.decode()


def test_an_outage_opens_the_breaker_parks_the_work_and_recovery_files_each_return_once(
    tenant_a,
    owner_a,
    hmrc_a,
    hmrc_breaker,
    clock,
    broker,
    return_posts,
    verified_client,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    q1, q2, q3 = hmrc_a
    with tenant_context(tenant_a):
        for month in (2, 5, 8):
            sale(date(2025, month, 1), "1000.00", "200.00", actor=owner_a)
    client = verified_client(owner_a)
    set_fault("hmrc", outage=True)

    # Three real failures: Q1's submission, a scheduled obligations read, Q2's submission.
    approve(tenant_a, q1, owner_a, django_capture_on_commit_callbacks)
    assert _deliver(_submission_items()[0]) == "deferred"
    with pytest.raises(ExternalServiceUnavailable):
        sync_tenant_obligations.apply(kwargs={"tenant_id": str(tenant_a.pk)})
    assert breakers.state("hmrc") == "closed"
    approve(tenant_a, q2, owner_a, django_capture_on_commit_callbacks)
    assert _deliver(_submission_items()[1]) == "deferred"

    assert breakers.state("hmrc") == "open"
    assert DegradedDependency.objects.get(dependency="hmrc").source == DegradedDependency.Source.BREAKER
    assert SAVED in _period_page(client, tenant_a, q3)

    # Approved during the outage: parked in the outbox, nothing sent to HMRC.
    approve(tenant_a, q3, owner_a, django_capture_on_commit_callbacks)
    parked = _submission_items()[2]
    assert parked.state == OutboxState.PARKED
    assert relay().sent == 0
    assert SandboxVatReturn.objects.count() == 0
    assert len(return_posts) == 2  # Q1 and Q2 met the outage; nothing left while the breaker was open

    # HMRC is back. Before the reset timeout nothing is tried; after it, exactly one trial.
    clear_faults("hmrc")
    assert relay().released == 0
    clock.advance(31)
    assert relay().released == 1
    assert relay().released == 0  # the trial is on its way: no second one
    parked.refresh_from_db()
    assert parked.state == OutboxState.DISPATCHED
    assert _deliver(parked) == "submitted"
    assert breakers.state("hmrc") == "closed"
    assert not DegradedDependency.objects.filter(dependency="hmrc").exists()
    assert SAVED not in _period_page(client, tenant_a, q3)

    # The two returns that met the outage come back through the sweep once their backoff has passed.
    later = timezone.now() + timedelta(hours=1)
    monkeypatch.setattr(submission, "timezone", SimpleNamespace(now=lambda: later))
    assert resume_vat_submissions.apply().get() == 2
    for item in _submission_items():
        if item.state != OutboxState.DONE:
            assert _deliver(item) == "submitted"
            assert _deliver(item) == "already_settled"  # a redelivered message changes nothing

    with tenant_context(tenant_a):
        assert sorted(VatReturn.objects.values_list("status", flat=True)) == ["submitted"] * 3
    filed = list(SandboxVatReturn.objects.values_list("period_key", flat=True))
    assert sorted(filed) == sorted({q1.period_key, q2.period_key, q3.period_key})
    assert return_posts[2:] == ["ok", "ok", "ok"]  # after recovery: exactly one POST per return, each accepted
    assert resume_vat_submissions.apply().get() == 0
    assert set(OutboxItem.objects.values_list("state", flat=True)) == {OutboxState.DONE}
