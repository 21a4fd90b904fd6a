"""After HMRC says DUPLICATE_SUBMISSION: only read back, every read-back outcome recorded, nothing loops.

The class of bug: a read-back that fails in any way (HMRC not publishing its copy yet, a 4xx, a lost
connection, the HMRC connection gone, rate limiting) used to escape as an error, leave the return
``submitting``, and the resume sweep then posted the same return again every two minutes, for ever.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
import requests
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.filing import tasks
from apps.filing.domain import ReturnStatus, hmrc_body
from apps.filing.models import FilingPeriodOverview, SubmissionAttempt, VatReturn
from apps.filing.selectors import stuck_returns
from apps.filing.services import submission
from apps.filing.services.returns import retry_submission
from apps.integrations import errors
from apps.integrations.hmrc import vat_client
from apps.tenancy.context import tenant_context
from tests.filing.conftest import sale
from tests.filing.test_submission import approve, stored_at_hmrc
from tests.fph import SYSTEM
from tests.helpers import verified

pytestmark = pytest.mark.django_db

READ_BACK_FAILURES = {
    "not_published_yet": lambda: errors.HmrcRejected("HMRC has no return for this period.", code="NOT_FOUND"),
    "forbidden": lambda: errors.HmrcRejected(code="CLIENT_OR_AGENT_NOT_AUTHORISED", status=403),
    "vrn_invalid": lambda: errors.HmrcRejected(code="VRN_INVALID", status=400),
    "not_connected": lambda: errors.HmrcNotConnected(),
    "rate_limited": lambda: errors.RateLimited(service="HMRC", retry_after=30),
    "outage": lambda: errors.ExternalServiceUnavailable(service="HMRC"),
    "request_failed": lambda: errors.IntegrationError("Could not send the request to HMRC.", code="REQUEST_FAILED"),
    "connection_lost": lambda: requests.ConnectionError("connection reset by peer"),
}
# What the return says happens next, for each failure.
WILL_RETRY = {"not_published_yet", "rate_limited", "outage", "connection_lost", "request_failed"}


@pytest.fixture
def posts(monkeypatch):
    """Every POST of a return to HMRC, counted (the real sandbox still answers)."""
    sent = []
    original = vat_client.HmrcVatClient.submit_return

    def counting(self, vrn, body, **kwargs):
        sent.append(body["periodKey"])
        return original(self, vrn, body, **kwargs)

    monkeypatch.setattr(vat_client.HmrcVatClient, "submit_return", counting)
    return sent


def _read_back_fails(monkeypatch, failure: str) -> None:
    def failing(self, vrn, period_key, **kwargs):
        raise READ_BACK_FAILURES[failure]()

    monkeypatch.setattr(vat_client.HmrcVatClient, "view_return", failing)


def _already_at_hmrc(tenant, owner, obligation, capture) -> VatReturn:
    """An approved return that HMRC already holds (the first attempt reached HMRC; its worker died)."""
    with tenant_context(tenant):
        sale(date(2025, 2, 1), "1000.00", "200.00", actor=owner)
    vat_return = approve(tenant, obligation, owner, capture)
    with tenant_context(tenant):
        vat_client.HmrcVatClient(tenant, initiator=SYSTEM).submit_return(
            obligation.vrn, hmrc_body(obligation.period_key, vat_return.boxes)
        )
    return vat_return


def _attempt(tenant_id, return_id):
    try:
        return submission.submit(tenant_id=tenant_id, return_id=return_id)
    except submission.RetryLater:
        return "retry_later"


@pytest.mark.parametrize("failure", sorted(READ_BACK_FAILURES))
def test_every_read_back_failure_is_recorded_and_the_return_is_never_posted_again(
    tenant_a, owner_a, hmrc_a, django_capture_on_commit_callbacks, monkeypatch, posts, failure
):
    q1 = hmrc_a[0]
    vat_return = _already_at_hmrc(tenant_a, owner_a, q1, django_capture_on_commit_callbacks)
    posts.clear()
    _read_back_fails(monkeypatch, failure)

    outcome = _attempt(tenant_a.id, vat_return.pk)  # never raises anything but RetryLater

    assert posts == [q1.period_key]
    with tenant_context(tenant_a):
        vat_return.refresh_from_db()
        attempt = vat_return.submission_attempts.get()
        assert vat_return.hmrc_reported_duplicate_at is not None
        assert vat_return.status == ReturnStatus.APPROVED  # HMRC holds it: not the user's figures to correct
        assert vat_return.lines.exists()
        assert attempt.outcome != SubmissionAttempt.Outcome.IN_FLIGHT and attempt.finished_at is not None
        assert attempt.message and vat_return.last_error_message
        assert (
            "will not send" in vat_return.last_error_message
            or "Nothing will be sent" in (vat_return.last_error_message)
            or "only reads HMRC's copy back" in vat_return.last_error_message
        )
        if failure in WILL_RETRY:
            assert outcome == "retry_later" and vat_return.next_attempt_at is not None
        else:
            assert outcome in ("not_connected", "needs_person") and vat_return.next_attempt_at is None
    # Whatever comes next (the sweep, a retry), it reads back and never posts again; here HMRC answers.
    monkeypatch.undo()
    with tenant_context(tenant_a):
        VatReturn.objects.filter(pk=vat_return.pk).update(next_attempt_at=timezone.now())
    sent_before = stored_at_hmrc(q1.vrn)
    monkeypatch.setattr(vat_client.HmrcVatClient, "submit_return", _must_not_post)
    assert submission.submit(tenant_id=tenant_a.id, return_id=vat_return.pk, manual=True) == "reconciled"
    assert stored_at_hmrc(q1.vrn) == sent_before == 1
    with tenant_context(tenant_a):
        vat_return.refresh_from_db()
        assert vat_return.status == ReturnStatus.SUBMITTED and vat_return.reconciled_from_hmrc


def _must_not_post(self, vrn, body, **kwargs):
    raise AssertionError("posted a return HMRC already holds")


def test_a_duplicate_not_yet_published_is_read_back_with_backoff_and_stops_at_the_cap(
    tenant_a, owner_a, hmrc_a, django_capture_on_commit_callbacks, monkeypatch, posts
):
    """The production loop, run to its end: the sweep keeps finding the return, HMRC keeps answering 404."""
    q1 = hmrc_a[0]
    vat_return = _already_at_hmrc(tenant_a, owner_a, q1, django_capture_on_commit_callbacks)
    posts.clear()
    _read_back_fails(monkeypatch, "not_published_yet")
    enqueued = []
    monkeypatch.setattr(tasks.submit_vat_return, "delay", lambda **kw: enqueued.append(kw))
    clock = timezone.now()
    countdowns = []
    with pytest.raises(submission.RetryLater) as first:  # the approval's own task
        submission.submit(tenant_id=tenant_a.id, return_id=vat_return.pk)
    countdowns.append(first.value.countdown)
    for _ in range(submission.MAX_AUTOMATIC_ATTEMPTS * 3):
        clock += timedelta(hours=1)
        for tenant_id, return_id in submission.stalled_returns(now=clock):
            try:
                submission.submit(tenant_id=tenant_id, return_id=return_id)
            except submission.RetryLater as exc:
                countdowns.append(exc.countdown)
    assert posts == [q1.period_key]  # one POST (answered DUPLICATE_SUBMISSION), then read-backs only
    with tenant_context(tenant_a):
        vat_return.refresh_from_db()
        assert vat_return.attempts == submission.MAX_AUTOMATIC_ATTEMPTS
        assert vat_return.status == ReturnStatus.APPROVED and vat_return.next_attempt_at is None
        assert "stopped trying on its own" in vat_return.last_error_message
        outcomes = set(vat_return.submission_attempts.values_list("outcome", flat=True))
    assert outcomes == {SubmissionAttempt.Outcome.RETRYABLE}
    assert len(countdowns) == submission.MAX_AUTOMATIC_ATTEMPTS - 1
    assert countdowns[-1] > countdowns[0]  # backoff grows
    # The sweep leaves it alone now, and so does the resume task.
    assert submission.stalled_returns(now=clock + timedelta(days=1)) == []
    assert tasks.resume_vat_submissions() == 0 and enqueued == []
    # ... and the FilingReturnStuck alert's gauge counts it as waiting for a person.
    assert stuck_returns()["awaiting_person"][0] == 1


def test_the_sweep_never_picks_a_return_whose_automatic_attempts_are_used_up(tenant_a):
    now = timezone.now()
    common = {"tenant": tenant_a, "vrn": "123456727", "start": date(2025, 1, 1), "end": date(2025, 3, 31)}
    rows = {
        "due": dict(return_status=ReturnStatus.APPROVED, next_attempt_at=now, attempts=3),
        "dead_worker": dict(return_status=ReturnStatus.SUBMITTING, submitting_since=now - timedelta(hours=1)),
        "exhausted_due": dict(
            return_status=ReturnStatus.APPROVED, next_attempt_at=now, attempts=submission.MAX_AUTOMATIC_ATTEMPTS
        ),
        "exhausted_dead_worker": dict(
            return_status=ReturnStatus.SUBMITTING,
            submitting_since=now - timedelta(hours=1),
            attempts=submission.MAX_AUTOMATIC_ATTEMPTS + 1,
        ),
    }
    ids = {}
    for n, (name, values) in enumerate(rows.items()):
        row = FilingPeriodOverview.objects.create(
            **common, period_key=f"25A{n}", due=date(2025, 5, 7), obligation_status="O", return_id=None, **values
        )
        ids[name] = str(row.pk)
        FilingPeriodOverview.objects.filter(pk=row.pk).update(return_id=row.pk)
    picked = {r for _, r in submission.stalled_returns(now=now + timedelta(seconds=1))}
    assert picked == {ids["due"], ids["dead_worker"]}


def test_a_dead_worker_with_no_attempts_left_is_parked_for_a_person_not_sent(
    tenant_a, owner_a, hmrc_a, django_capture_on_commit_callbacks, posts
):
    q1 = hmrc_a[0]
    with tenant_context(tenant_a):
        sale(date(2025, 2, 1), "1000.00", "200.00", actor=owner_a)
    vat_return = approve(tenant_a, q1, owner_a, django_capture_on_commit_callbacks)
    assert submission.claim(tenant_id=tenant_a.id, return_id=vat_return.pk) is not None  # then the worker dies
    with tenant_context(tenant_a):
        VatReturn.objects.filter(pk=vat_return.pk).update(
            attempts=submission.MAX_AUTOMATIC_ATTEMPTS, submitting_since=timezone.now() - timedelta(minutes=5)
        )
    assert submission.submit(tenant_id=tenant_a.id, return_id=vat_return.pk) == "nothing_to_do"
    assert posts == []
    with tenant_context(tenant_a):
        vat_return.refresh_from_db()
        assert vat_return.status == ReturnStatus.APPROVED and vat_return.next_attempt_at is None
        assert "stopped trying on its own" in vat_return.last_error_message
        assert vat_return.submission_attempts.get().outcome == SubmissionAttempt.Outcome.NEEDS_PERSON


def test_a_persons_retry_may_go_one_past_the_cap_and_is_audited(
    tenant_a, owner_a, hmrc_a, django_capture_on_commit_callbacks, monkeypatch, posts
):
    q1 = hmrc_a[0]
    with tenant_context(tenant_a):
        sale(date(2025, 2, 1), "1000.00", "200.00", actor=owner_a)
    vat_return = approve(tenant_a, q1, owner_a, django_capture_on_commit_callbacks)
    with tenant_context(tenant_a):
        VatReturn.objects.filter(pk=vat_return.pk).update(attempts=submission.MAX_AUTOMATIC_ATTEMPTS)
    assert submission.submit(tenant_id=tenant_a.id, return_id=vat_return.pk) == "nothing_to_do"
    from tests.helpers import queued

    with tenant_context(tenant_a), django_capture_on_commit_callbacks(execute=False):
        retry_submission(vat_return=VatReturn.objects.get(pk=vat_return.pk), actor=verified(owner_a))
    sent = [kw for kw in queued("filing.submit_vat_return") if kw.get("manual")]
    assert sent == [{"tenant_id": str(tenant_a.id), "return_id": str(vat_return.pk), "manual": True}]
    assert submission.submit(**sent[0]) == "submitted"
    assert posts == [q1.period_key]
    with tenant_context(tenant_a):
        event = AuditEvent.objects.filter(action="filing.return.retry_requested").latest("occurred_at")
    assert json.loads(event.body)["extra"]["beyond_automatic_attempts"] is True


def test_the_task_does_not_retry_once_the_automatic_attempts_are_used_up(
    tenant_a, owner_a, hmrc_a, django_capture_on_commit_callbacks, monkeypatch
):
    from apps.sandbox.services.faults import clear_faults, set_fault

    vat_return = approve(tenant_a, hmrc_a[0], owner_a, django_capture_on_commit_callbacks)
    with tenant_context(tenant_a):
        VatReturn.objects.filter(pk=vat_return.pk).update(attempts=submission.MAX_AUTOMATIC_ATTEMPTS - 1)
    set_fault("hmrc", outage=True)
    try:
        outcome = submission.submit(tenant_id=tenant_a.id, return_id=vat_return.pk)  # the last automatic one
    finally:
        clear_faults()
    assert outcome == "needs_person"
    with tenant_context(tenant_a):
        vat_return.refresh_from_db()
        assert vat_return.next_attempt_at is None and "stopped trying on its own" in vat_return.last_error_message
