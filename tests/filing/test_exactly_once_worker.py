"""Exactly-once filing with real Celery workers on Redis and PostgreSQL, HMRC's sandbox served over loopback HTTP.

* A worker killed (SIGKILL) after its HTTP call reached HMRC and before it
  recorded the receipt: the next attempt is reconciled, never recorded as a
  second submission, and HMRC holds exactly one return.
* Two workers given the same return at the same moment (a double click):
  one submission.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.utils import timezone

from apps.filing import calculation
from apps.filing.domain import ReturnStatus
from apps.filing.models import SubmissionAttempt, VatReturn, VatSettings
from apps.filing.services.returns import approve_return, fingerprint
from apps.filing.tasks import submit_vat_return
from apps.sandbox.models import VatReturn as HmrcHeldReturn
from apps.sandbox.services.faults import clear_faults, set_fault
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Role
from tests.conftest import make_member
from tests.factories import TenantFactory
from tests.filing.conftest import connect_hmrc, sale
from tests.helpers import celery_worker, verified

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args) -> None:  # the test output stays readable
        pass


@contextlib.contextmanager
def loopback_server() -> Iterator[str]:
    """This Django project (with the sandbox) served on a loopback port from a thread of the test process."""
    server = ThreadedWSGIServer(("127.0.0.1", 0), _QuietHandler, allow_reuse_address=False)
    server.daemon_threads = True
    server.set_app(WSGIHandler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def wait_for(condition, *, timeout: float = 60.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def filing_stack(committed_db, settings, monkeypatch):
    """A tenant with a posted sale in Q1 2025, connected to the sandbox over real HTTP, and the server's URL."""
    from apps.filing.services.obligations import sync_obligations  # noqa: F401  (import check)
    from apps.ledger.services import seed_chart_of_accounts
    from tests.factories.filing import VatSettingsFactory, quarter

    with loopback_server() as url:
        settings.SITE_URL = url
        settings.HMRC_API_BASE_URL = f"{url}/sandbox/hmrc"
        settings.HMRC_AUTHORIZE_URL = f"{url}/sandbox/hmrc/oauth/authorize"
        for name, value in {
            "SITE_URL": url,
            "HMRC_API_BASE_URL": settings.HMRC_API_BASE_URL,
            "HMRC_AUTHORIZE_URL": settings.HMRC_AUTHORIZE_URL,
            "SECRET_KEY": settings.SECRET_KEY,
        }.items():
            monkeypatch.setenv(name, value)  # the worker processes inherit these
        tenant = TenantFactory(name="Kestrel Joinery Ltd", slug="kestrel-joinery")
        owner = make_member(tenant, Role.OWNER)
        with tenant_context(tenant):
            seed_chart_of_accounts(tenant)
            VatSettingsFactory(tenant=tenant)
            q1 = quarter(tenant, date(2025, 1, 1))
            sale(date(2025, 2, 1), "1000.00", "200.00", actor=owner)
        connect_hmrc(tenant, owner, site_url=url)
        try:
            yield tenant, owner, q1
        finally:
            clear_faults()


def approve(tenant, owner, obligation, monkeypatch) -> VatReturn:
    """Approve in the test process; the submission is sent to the test worker's queue by the test, not by on_commit."""
    from apps.outbox import services as outbox_services

    monkeypatch.setattr(outbox_services, "send_now", lambda item_id: False)  # the outbox row waits, unsent
    with tenant_context(tenant):
        boxes = calculation.figures_for(obligation, None, VatSettings.objects.first()).boxes
    with tenant_context(tenant):
        return approve_return(
            obligation=obligation,
            actor=verified(owner),
            declaration=True,
            expected_fingerprint=fingerprint(boxes),
            fraud_context={},
        )


def held_by_hmrc(vrn: str) -> int:
    return HmrcHeldReturn.objects.filter(organisation__vrn=vrn).count()


def state(tenant, return_id) -> VatReturn:
    with tenant_context(tenant):
        return VatReturn.objects.get(pk=return_id)


def send(queue: str, tenant, vat_return) -> None:
    submit_vat_return.apply_async(kwargs={"tenant_id": str(tenant.id), "return_id": str(vat_return.pk)}, queue=queue)


def test_a_worker_killed_between_the_call_and_the_commit_does_not_file_twice(filing_stack, monkeypatch):
    tenant, owner, q1 = filing_stack
    vat_return = approve(tenant, owner, q1, monkeypatch)
    # HMRC takes 3 s to answer: long enough to kill the worker after its request has been sent.
    set_fault("hmrc", latency_ms=3000)
    with celery_worker() as (worker, queue):
        send(queue, tenant, vat_return)
        wait_for(lambda: state(tenant, vat_return.pk).status == ReturnStatus.SUBMITTING, what="the claim")
        time.sleep(0.8)  # the request is in HMRC's hands
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    # HMRC finishes handling the request the dead worker sent: it now holds the return.
    wait_for(lambda: held_by_hmrc(q1.vrn) == 1, what="HMRC to store the return")
    interrupted = state(tenant, vat_return.pk)
    assert interrupted.status == ReturnStatus.SUBMITTING and interrupted.form_bundle_number == ""
    clear_faults()

    # The lease runs out; the resume sweep (beat) finds the return and a new worker sends it again.
    with tenant_context(tenant):
        VatReturn.objects.filter(pk=vat_return.pk).update(submitting_since=timezone.now() - timedelta(minutes=5))
    from apps.filing.services.overview import refresh_overview

    with tenant_context(tenant):
        fresh = VatReturn.objects.select_related("obligation").get(pk=vat_return.pk)
        refresh_overview(fresh.obligation, fresh)
    from apps.filing.services.submission import stalled_returns

    assert stalled_returns() == [(str(tenant.id), str(vat_return.pk))]
    with celery_worker() as (_, queue):
        send(queue, tenant, vat_return)
        wait_for(lambda: state(tenant, vat_return.pk).status == ReturnStatus.SUBMITTED, what="the retry")

    done = state(tenant, vat_return.pk)
    assert done.reconciled_from_hmrc
    with tenant_context(tenant):
        outcomes = list(done.submission_attempts.order_by("number").values_list("outcome", flat=True))
    assert outcomes == [SubmissionAttempt.Outcome.IN_FLIGHT, SubmissionAttempt.Outcome.RECONCILED]
    assert held_by_hmrc(q1.vrn) == 1


def test_two_workers_given_the_same_return_submit_it_once(filing_stack, monkeypatch):
    tenant, owner, q1 = filing_stack
    vat_return = approve(tenant, owner, q1, monkeypatch)
    set_fault("hmrc", latency_ms=1500)
    with celery_worker() as (_, queue), celery_worker() as (_, queue_b):
        send(queue, tenant, vat_return)
        send(queue_b, tenant, vat_return)  # the double click, picked up by another worker at the same time
        wait_for(lambda: state(tenant, vat_return.pk).status == ReturnStatus.SUBMITTED, what="the submission")
        time.sleep(2)  # let the other worker finish whatever it decided
    done = state(tenant, vat_return.pk)
    assert len(done.form_bundle_number) == 12
    with tenant_context(tenant):
        assert done.submission_attempts.count() == 1
    assert held_by_hmrc(q1.vrn) == 1
