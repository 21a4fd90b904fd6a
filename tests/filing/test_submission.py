"""Submission to the sandbox HMRC: receipt stored once, duplicates reconciled, rejections, retries, no double filing."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.filing import calculation
from apps.filing.domain import ReturnStatus, hmrc_body
from apps.filing.models import SubmissionAttempt, VatObligation, VatReturn, VatSettings
from apps.filing.services import submission
from apps.filing.services.returns import approve_return, fingerprint
from apps.integrations.hmrc import vat_client
from apps.sandbox.models import VatReturn as SandboxVatReturn
from apps.tenancy.context import tenant_context
from tests.filing.conftest import sale
from tests.fph import SYSTEM
from tests.helpers import verified

pytestmark = pytest.mark.django_db


def approve(tenant, obligation, actor, capture):
    with tenant_context(tenant):
        boxes = calculation.figures_for(obligation, None, VatSettings.objects.first()).boxes
        with capture():
            return approve_return(
                obligation=obligation,
                actor=verified(actor),
                declaration=True,
                expected_fingerprint=fingerprint(boxes),
                fraud_context={},
            )


def stored_at_hmrc(vrn: str) -> int:
    return SandboxVatReturn.objects.filter(organisation__vrn=vrn).count()


def with_scenario(monkeypatch, scenario: str) -> None:
    """Every VAT client call carries this Gov-Test-Scenario (the sandbox's documented switch)."""
    original = vat_client.HmrcVatClient.__init__

    def init(self, tenant, **kwargs):
        original(self, tenant, **kwargs)
        self.test_scenario = scenario

    monkeypatch.setattr(vat_client.HmrcVatClient, "__init__", init)


def test_an_approved_return_is_submitted_and_its_receipt_stored(
    tenant_a, owner_a, hmrc_a, django_capture_on_commit_callbacks
):
    q1 = hmrc_a[0]
    with tenant_context(tenant_a):
        sale(date(2025, 2, 1), "1000.00", "200.00", actor=owner_a)
    vat_return = approve(tenant_a, q1, owner_a, django_capture_on_commit_callbacks)

    assert submission.submit(tenant_id=tenant_a.id, return_id=vat_return.pk) == "submitted"
    with tenant_context(tenant_a):
        vat_return.refresh_from_db()
        assert vat_return.status == ReturnStatus.SUBMITTED
        assert re.fullmatch(r"\d{12}", vat_return.form_bundle_number)
        assert vat_return.processing_date is not None
        assert vat_return.charge_ref_number  # payable, so HMRC gives a charge reference
        assert VatObligation.objects.get(pk=q1.pk).status == "F"
        assert list(vat_return.submission_attempts.values_list("outcome", flat=True)) == ["submitted"]
    assert stored_at_hmrc(q1.vrn) == 1
    # A second run (double click, redelivered message) sends nothing.
    assert submission.submit(tenant_id=tenant_a.id, return_id=vat_return.pk) == "nothing_to_do"
    assert stored_at_hmrc(q1.vrn) == 1


def test_an_attempt_that_died_after_the_call_is_reconciled_not_filed_twice(
    tenant_a, owner_a, hmrc_a, django_capture_on_commit_callbacks
):
    q1 = hmrc_a[0]
    with tenant_context(tenant_a):
        sale(date(2025, 2, 1), "1000.00", "200.00", actor=owner_a)
    vat_return = approve(tenant_a, q1, owner_a, django_capture_on_commit_callbacks)
    claimed = submission.claim(tenant_id=tenant_a.id, return_id=vat_return.pk)
    # The worker sends the return, HMRC accepts it, and the worker dies before recording the receipt.
    with tenant_context(tenant_a):
        vat_client.HmrcVatClient(tenant_a, initiator=SYSTEM).submit_return(
            q1.vrn, hmrc_body(q1.period_key, vat_return.boxes)
        )
    assert claimed is not None and stored_at_hmrc(q1.vrn) == 1
    # While its lease lasts nobody else touches it ...
    assert submission.submit(tenant_id=tenant_a.id, return_id=vat_return.pk) == "nothing_to_do"
    # ... and once it has expired the next attempt finds HMRC already has it, with the same figures.
    with tenant_context(tenant_a):
        VatReturn.objects.filter(pk=vat_return.pk).update(submitting_since=timezone.now() - timedelta(minutes=5))
    assert submission.submit(tenant_id=tenant_a.id, return_id=vat_return.pk) == "reconciled"
    with tenant_context(tenant_a):
        vat_return.refresh_from_db()
        assert vat_return.status == ReturnStatus.SUBMITTED
        assert vat_return.reconciled_from_hmrc
        outcomes = list(vat_return.submission_attempts.order_by("number").values_list("outcome", flat=True))
    assert outcomes == [SubmissionAttempt.Outcome.IN_FLIGHT, SubmissionAttempt.Outcome.RECONCILED]
    assert stored_at_hmrc(q1.vrn) == 1


def test_a_different_return_already_at_hmrc_is_not_taken_for_ours(
    tenant_a, owner_a, hmrc_a, django_capture_on_commit_callbacks
):
    q1 = hmrc_a[0]
    with tenant_context(tenant_a):
        sale(date(2025, 2, 1), "1000.00", "200.00", actor=owner_a)
    vat_return = approve(tenant_a, q1, owner_a, django_capture_on_commit_callbacks)
    with tenant_context(tenant_a):
        other = hmrc_body(q1.period_key, vat_return.boxes)
        other.update(vatDueSales=Decimal("1.00"), totalVatDue=Decimal("1.00"), netVatDue=Decimal("1.00"))
        vat_client.HmrcVatClient(tenant_a, initiator=SYSTEM).submit_return(q1.vrn, other)
    assert submission.submit(tenant_id=tenant_a.id, return_id=vat_return.pk) == "rejected"
    with tenant_context(tenant_a):
        vat_return.refresh_from_db()
        assert vat_return.status == ReturnStatus.REJECTED
        assert "different return" in vat_return.last_error_message
        assert vat_return.lines.count() == 0  # released, so a corrected return can take them


@pytest.mark.parametrize(
    ("scenario", "code"),
    [
        ("TAX_PERIOD_NOT_ENDED", "TAX_PERIOD_NOT_ENDED"),
        ("INSOLVENT_TRADER", "RULE_INSOLVENT_TRADER"),
        ("INVALID_PERIODKEY", "PERIOD_KEY_INVALID"),
        ("INVALID_PAYLOAD", "INVALID_REQUEST"),
    ],
)
def test_a_rejection_goes_back_to_the_user_with_hmrcs_message(
    tenant_a, owner_a, hmrc_a, django_capture_on_commit_callbacks, monkeypatch, scenario, code
):
    q1 = hmrc_a[0]
    vat_return = approve(tenant_a, q1, owner_a, django_capture_on_commit_callbacks)
    with_scenario(monkeypatch, scenario)
    assert submission.submit(tenant_id=tenant_a.id, return_id=vat_return.pk) == "rejected"
    with tenant_context(tenant_a):
        vat_return.refresh_from_db()
        assert vat_return.status == ReturnStatus.REJECTED
        assert vat_return.last_error_code == code
        assert vat_return.last_error_message
    assert stored_at_hmrc(q1.vrn) == 0


def test_an_outage_mid_submission_keeps_the_return_approved_for_a_retry(
    tenant_a, owner_a, hmrc_a, django_capture_on_commit_callbacks
):
    from apps.sandbox.services.faults import clear_faults, set_fault

    q1 = hmrc_a[0]
    vat_return = approve(tenant_a, q1, owner_a, django_capture_on_commit_callbacks)
    set_fault("hmrc", outage=True)
    try:
        with pytest.raises(submission.RetryLater) as raised:
            submission.submit(tenant_id=tenant_a.id, return_id=vat_return.pk)
    finally:
        clear_faults()
    assert raised.value.countdown > 0
    with tenant_context(tenant_a):
        vat_return.refresh_from_db()
        assert vat_return.status == ReturnStatus.APPROVED
        assert vat_return.next_attempt_at is not None
    assert submission.stalled_returns(now=vat_return.next_attempt_at + timedelta(seconds=1)) == [
        (str(tenant_a.id), str(vat_return.pk))
    ]
    assert submission.submit(tenant_id=tenant_a.id, return_id=vat_return.pk) == "submitted"
    assert stored_at_hmrc(q1.vrn) == 1


def test_rate_limiting_is_retried_not_rejected(tenant_a, owner_a, hmrc_a, django_capture_on_commit_callbacks):
    from apps.sandbox.services.faults import clear_faults, set_fault

    vat_return = approve(tenant_a, hmrc_a[0], owner_a, django_capture_on_commit_callbacks)
    set_fault("hmrc", rate_limited=True)
    try:
        with pytest.raises(submission.RetryLater):
            submission.submit(tenant_id=tenant_a.id, return_id=vat_return.pk)
    finally:
        clear_faults()
    with tenant_context(tenant_a):
        assert VatReturn.objects.get(pk=vat_return.pk).last_error_code == "MESSAGE_THROTTLED_OUT"


def test_a_revoked_connection_parks_the_return_until_reconnected(
    tenant_a, owner_a, hmrc_a, django_capture_on_commit_callbacks
):
    from apps.integrations.hmrc.models import HmrcConnection

    vat_return = approve(tenant_a, hmrc_a[0], owner_a, django_capture_on_commit_callbacks)
    with tenant_context(tenant_a):
        connection = HmrcConnection.objects.get()
        connection.access_token = "revoked-token"
        connection.refresh_token = "revoked-refresh"
        connection.save()
    assert submission.submit(tenant_id=tenant_a.id, return_id=vat_return.pk) == "not_connected"
    with tenant_context(tenant_a):
        vat_return.refresh_from_db()
        assert vat_return.status == ReturnStatus.APPROVED and vat_return.next_attempt_at is None
        assert vat_return.submission_attempts.get().outcome == SubmissionAttempt.Outcome.NOT_CONNECTED


def test_backoff_grows_exponentially_with_jitter():
    import random

    rng = random.Random(7)
    first = [submission.backoff_seconds(1, rng=rng) for _ in range(50)]
    fifth = [submission.backoff_seconds(5, rng=rng) for _ in range(50)]
    assert all(7.5 <= s < 22.5 for s in first)
    assert all(120 <= s < 360 for s in fifth)
    assert len(set(first)) > 40  # jittered
    assert max(submission.backoff_seconds(30, rng=rng) for _ in range(20)) < submission.BACKOFF_CAP_SECONDS * 1.5
