"""A period before the first one filed with Strongroom is never approved or sent (it would be a nil return).

The bug: its lines were dropped from the boxes (they are before the first period) while the period stayed
approvable, so 139 posted lines went to HMRC as £0 in every box.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from apps.filing import calculation
from apps.filing.domain import ReturnStatus, before_first_period
from apps.filing.errors import ReturnNotReady
from apps.filing.models import VatReturn, VatSettings
from apps.filing.services import submission
from apps.filing.services.returns import approve_return, fingerprint, send_for_approval
from apps.tenancy.context import tenant_context
from tests.filing.conftest import sale
from tests.filing.test_submission import approve, stored_at_hmrc
from tests.helpers import verified

pytestmark = pytest.mark.django_db
BEFORE = (
    "This period is before the first period you file with Strongroom (which starts on 01 April 2025): "
    "file it with your previous software."
)


def test_the_reason_in_words_for_before_straddling_and_after():
    first = date(2025, 4, 1)
    assert before_first_period(date(2025, 1, 1), date(2025, 3, 31), first) == BEFORE
    assert before_first_period(date(2025, 3, 1), date(2025, 5, 31), first) == (
        "This period starts before 01 April 2025, the first day you file with Strongroom, so its lines before "
        "that day would be left out: check the first period in the VAT settings, or file this return with your "
        "previous software."
    )
    assert before_first_period(date(2025, 4, 1), date(2025, 6, 30), first) == ""
    assert before_first_period(date(2025, 3, 31), date(2025, 6, 29), first) != ""  # one day before is before


def test_a_period_before_the_first_is_blocked_with_a_link_to_the_settings(tenant_a, owner_a, books_a):
    q1, q2, _ = books_a
    with tenant_context(tenant_a):
        VatSettings.objects.update(first_period_start=date(2025, 4, 1))
        settings = VatSettings.objects.get()
        sale(date(2025, 2, 1), "1000.00", "200.00", actor=owner_a)
        figures = calculation.figures_for(q1, None, settings)
        assert figures.boxes.box1 == 0  # its lines are left out ...
        found = {b.code: b for b in calculation.blockers_for(q1, figures.boxes, settings)}
        assert (found["before_first_period"].message, found["before_first_period"].link) == (BEFORE, "settings")
        assert "before_first_period" not in {b.code for b in calculation.blockers_for(q2, figures.boxes, settings)}


def test_approving_or_freezing_it_is_refused(tenant_a, owner_a, hmrc_a):
    q1 = hmrc_a[0]
    with tenant_context(tenant_a):
        VatSettings.objects.update(first_period_start=date(2025, 4, 1))
        sale(date(2025, 2, 1), "1000.00", "200.00", actor=owner_a)
        boxes = calculation.figures_for(q1, None, VatSettings.objects.get()).boxes
        for act in (
            lambda: approve_return(obligation=q1, actor=verified(owner_a), declaration=True,
                                   expected_fingerprint=fingerprint(boxes), fraud_context={}),
            lambda: send_for_approval(obligation=q1, actor=owner_a, expected_fingerprint=fingerprint(boxes)),
        ):  # fmt: skip
            with pytest.raises(ReturnNotReady, match="previous software"):
                act()
        assert not VatReturn.objects.filter(status__in=(ReturnStatus.APPROVED, ReturnStatus.AWAITING_APPROVAL))


def test_a_return_frozen_before_the_first_period_moved_is_not_approved(tenant_a, owner_a, hmrc_a):
    q1 = hmrc_a[0]
    with tenant_context(tenant_a):
        sale(date(2025, 2, 1), "1000.00", "200.00", actor=owner_a)
        boxes = calculation.figures_for(q1, None, VatSettings.objects.get()).boxes
        send_for_approval(obligation=q1, actor=owner_a, expected_fingerprint=fingerprint(boxes))
        VatSettings.objects.update(first_period_start=date(2025, 4, 1))
        with pytest.raises(ReturnNotReady, match="previous software"):
            approve_return(obligation=q1, actor=verified(owner_a), declaration=True,
                           expected_fingerprint=fingerprint(boxes), fraud_context={})  # fmt: skip


@pytest.mark.parametrize("how", ["task", "sweep"])
def test_an_approved_return_for_such_a_period_is_never_sent(
    tenant_a, owner_a, hmrc_a, django_capture_on_commit_callbacks, how
):
    """Returns approved before this check existed (or before the settings changed) are refused at the send."""
    q1 = hmrc_a[0]
    with tenant_context(tenant_a):
        sale(date(2025, 2, 1), "1000.00", "200.00", actor=owner_a)
    vat_return = approve(tenant_a, q1, owner_a, django_capture_on_commit_callbacks)
    with tenant_context(tenant_a):
        VatSettings.objects.update(first_period_start=date(2025, 4, 1))
        if how == "sweep":
            VatReturn.objects.filter(pk=vat_return.pk).update(next_attempt_at=timezone.now())
            vat_return.refresh_from_db()
            from apps.filing.services.overview import refresh_overview

            refresh_overview(q1, vat_return)
    if how == "sweep":
        assert submission.stalled_returns(now=timezone.now() + timedelta(seconds=1)) == [
            (str(tenant_a.id), str(vat_return.pk))
        ]
    assert submission.submit(tenant_id=tenant_a.id, return_id=vat_return.pk) == "nothing_to_do"
    assert stored_at_hmrc(q1.vrn) == 0
    with tenant_context(tenant_a):
        vat_return.refresh_from_db()
        assert vat_return.status == ReturnStatus.DRAFT and not vat_return.lines.exists()
        assert vat_return.last_error_code == "BEFORE_FIRST_PERIOD"
        assert vat_return.last_error_message == f"Not sent to HMRC. {BEFORE}"
    assert submission.stalled_returns(now=timezone.now() + timedelta(days=1)) == []
