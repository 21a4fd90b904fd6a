"""HMRC slow (issue #17): one POST per return whatever the timeouts, and the receipt kept when the reply is slow.

Measured: replies slower than the 15 s timeout caused up to 3 POSTs before
reconciliation, and the receipt (form bundle number) was lost on 6 of 29
returns whose outcome was unclear. The transport below stands for a slow HMRC:
the sandbox files the return, then the reply is lost (``requests.ReadTimeout``)
or arrives only after a given number of seconds.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import requests
from django.utils import timezone

from apps.filing.domain import ReturnStatus
from apps.filing.models import SubmissionAttempt, VatReturn
from apps.filing.services import submission
from apps.sandbox.services.faults import clear_faults, set_fault
from apps.tenancy.context import tenant_context
from tests.filing.conftest import sale
from tests.filing.test_submission import approve, stored_at_hmrc

pytestmark = pytest.mark.django_db


@pytest.fixture
def slow_hmrc(sandbox_http, monkeypatch):
    """``slow_hmrc.reply_after`` seconds for a POST of a return; ``filed_anyway``: HMRC files it though we gave up."""
    original = sandbox_http.send

    class Slow:
        reply_after: float = 0
        filed_anyway = True
        posts: list = []
        timeouts: list = []

    def send(request, stream=False, timeout=None, **kwargs):
        if request.method == "POST" and request.url.endswith("/returns"):
            Slow.posts.append(request)
            Slow.timeouts.append(timeout)
            read_timeout = timeout[1] if isinstance(timeout, tuple) else timeout
            if Slow.reply_after and read_timeout is not None and Slow.reply_after > read_timeout:
                if Slow.filed_anyway:
                    original(request, stream=stream, timeout=timeout, **kwargs)
                raise requests.ReadTimeout("read timed out")
        return original(request, stream=stream, timeout=timeout, **kwargs)

    Slow.posts, Slow.timeouts = [], []
    monkeypatch.setattr(sandbox_http, "send", send)
    return Slow


@pytest.fixture
def approved(tenant_a, owner_a, hmrc_a, django_capture_on_commit_callbacks):
    with tenant_context(tenant_a):
        sale(date(2025, 2, 1), "1000.00", "200.00", actor=owner_a)
    return approve(tenant_a, hmrc_a[0], owner_a, django_capture_on_commit_callbacks)


def attempt_again(tenant, vat_return) -> str:
    """The next attempt, once the retry is due (what the task's retry or the resume sweep does)."""
    with tenant_context(tenant):
        VatReturn.objects.filter(pk=vat_return.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    try:
        return submission.submit(tenant_id=tenant.id, return_id=vat_return.pk)
    except submission.RetryLater:
        return "retry_later"


def test_a_reply_slower_than_a_reads_timeout_still_brings_the_receipt(tenant_a, approved, slow_hmrc, settings):
    slow_hmrc.reply_after = 20  # seconds: over the 15 s read timeout, under the submission's own
    assert settings.EXTERNAL_READ_TIMEOUT < 20 < settings.HMRC_SUBMIT_READ_TIMEOUT
    assert submission.submit(tenant_id=tenant_a.id, return_id=approved.pk) == "submitted"
    with tenant_context(tenant_a):
        approved.refresh_from_db()
    assert re.fullmatch(r"\d{12}", approved.form_bundle_number) and not approved.reconciled_from_hmrc
    assert len(slow_hmrc.posts) == 1


def test_a_lost_reply_is_followed_by_a_read_back_never_a_second_post(tenant_a, approved, slow_hmrc, hmrc_a):
    slow_hmrc.reply_after = 600  # longer than any timeout: HMRC files it, the reply never comes
    assert attempt_again(tenant_a, approved) == "retry_later"
    with tenant_context(tenant_a):
        first = approved.submission_attempts.get()
    assert first.error_code == submission.OUTCOME_UNCLEAR and "read HMRC's copy back" in first.message
    assert attempt_again(tenant_a, approved) == "reconciled"
    assert len(slow_hmrc.posts) == 1, "one POST for the return, whatever the timeouts"
    assert stored_at_hmrc(hmrc_a[0].vrn) == 1
    with tenant_context(tenant_a):
        approved.refresh_from_db()
    assert approved.status == ReturnStatus.SUBMITTED and approved.reconciled_from_hmrc


def test_a_lost_request_is_sent_again_once_hmrc_is_seen_not_to_have_it(tenant_a, approved, slow_hmrc, hmrc_a):
    slow_hmrc.reply_after, slow_hmrc.filed_anyway = 600, False  # the request never reached HMRC
    assert attempt_again(tenant_a, approved) == "retry_later"
    slow_hmrc.reply_after = 0
    assert attempt_again(tenant_a, approved) == "submitted"
    with tenant_context(tenant_a):
        approved.refresh_from_db()
    assert re.fullmatch(r"\d{12}", approved.form_bundle_number), "the receipt of the POST that HMRC answered"
    assert len(slow_hmrc.posts) == 2 and stored_at_hmrc(hmrc_a[0].vrn) == 1


def test_an_unclear_outcome_stays_unclear_until_hmrc_has_been_read(tenant_a, approved, slow_hmrc, hmrc_a):
    slow_hmrc.reply_after = 600
    assert attempt_again(tenant_a, approved) == "retry_later"
    set_fault("hmrc", outage=True)
    try:
        assert attempt_again(tenant_a, approved) == "retry_later"  # the read-back fails: nothing is sent
    finally:
        clear_faults()
    with tenant_context(tenant_a):
        second = approved.submission_attempts.get(number=2)
    assert "send the return only if HMRC does not have it" in second.message
    assert attempt_again(tenant_a, approved) == "reconciled"
    assert len(slow_hmrc.posts) == 1


def test_a_worker_that_died_mid_call_is_followed_by_a_read_back_not_a_post(tenant_a, approved, slow_hmrc, hmrc_a):
    claimed = submission.claim(tenant_id=tenant_a.id, return_id=approved.pk)
    assert claimed is not None  # ... and the worker dies before (or while) calling HMRC
    with tenant_context(tenant_a):
        VatReturn.objects.filter(pk=approved.pk).update(submitting_since=timezone.now() - timedelta(minutes=5))
    assert submission.submit(tenant_id=tenant_a.id, return_id=approved.pk) == "submitted"
    with tenant_context(tenant_a):
        attempts = list(approved.submission_attempts.order_by("number").values_list("error_code", "outcome"))
    assert attempts[0][0] == submission.OUTCOME_UNCLEAR and attempts[1][1] == SubmissionAttempt.Outcome.SUBMITTED
    assert len(slow_hmrc.posts) == 1 and stored_at_hmrc(hmrc_a[0].vrn) == 1
