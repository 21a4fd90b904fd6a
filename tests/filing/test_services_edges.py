"""Edges of the filing services: settings validation, frozen states, retries, and the four-eyes send path."""

from __future__ import annotations

from datetime import date

import pytest

from apps.filing.domain import ReturnStatus
from apps.filing.errors import ApprovalRefused, FilingError, ReturnFrozen
from apps.filing.models import VatReturn
from apps.filing.services.returns import retry_submission, return_to_draft, send_for_approval
from apps.filing.services.vat_settings import save_vat_settings
from apps.tenancy.context import tenant_context
from tests.factories.filing import VatReturnFactory
from tests.filing.conftest import sale
from tests.filing.test_approval import current_fingerprint
from tests.helpers import verified

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scheme": "flat_rate"}, "not a VAT scheme"),
        ({"stagger": "yearly"}, "not a VAT stagger"),
        ({"first_period_start": date(2025, 2, 1)}, "not the first day of a VAT period"),
    ],
)
def test_vat_settings_refuse_what_we_do_not_support(tenant_a, owner_a, kwargs, message):
    values = {"scheme": "standard", "stagger": "stagger_1", "first_period_start": date(2025, 1, 1), **kwargs}
    with tenant_context(tenant_a), pytest.raises(FilingError, match=message):
        save_vat_settings(tenant=tenant_a, actor=owner_a, **values)


def test_saving_vat_settings_twice_updates_one_row(tenant_a, owner_a):
    from tests.conftest import make_member

    make_member(tenant_a, "accountant")  # a second approver, so four-eyes can be on
    with tenant_context(tenant_a):
        save_vat_settings(tenant=tenant_a, actor=owner_a, scheme="standard", stagger="stagger_1",
                          first_period_start=date(2025, 1, 1))  # fmt: skip
        saved = save_vat_settings(tenant=tenant_a, actor=owner_a, scheme="cash", stagger="monthly",
                                  first_period_start=date(2025, 2, 1), four_eyes=True)  # fmt: skip
        assert (saved.scheme, saved.stagger, saved.four_eyes) == ("cash", "monthly", True)
        from apps.filing.models import VatSettings

        assert VatSettings.objects.count() == 1


def test_send_for_approval_refuses_a_return_already_frozen_and_stale_figures(tenant_a, owner_a, books_a):
    q1 = books_a[0]
    with tenant_context(tenant_a):
        seen = current_fingerprint(q1)
        sale(date(2025, 2, 1), "10.00", "2.00", actor=owner_a)
        with pytest.raises(ApprovalRefused, match="changed"):
            send_for_approval(obligation=q1, actor=owner_a, expected_fingerprint=seen)
        send_for_approval(obligation=q1, actor=owner_a, expected_fingerprint=current_fingerprint(q1))
        with pytest.raises(ReturnFrozen, match="already awaiting approval"):
            send_for_approval(obligation=q1, actor=owner_a, expected_fingerprint=current_fingerprint(q1))


@pytest.mark.parametrize("status", [ReturnStatus.DRAFT, ReturnStatus.APPROVED, ReturnStatus.SUBMITTED])
def test_only_frozen_unapproved_or_rejected_returns_go_back_to_draft(tenant_a, owner_a, status):
    vat_return = VatReturnFactory(tenant=tenant_a, status=status, form_bundle_number="123456789012")
    with tenant_context(tenant_a), pytest.raises(ReturnFrozen, match="cannot go back to draft"):
        return_to_draft(vat_return=vat_return, actor=owner_a)


def test_retry_is_only_for_an_approved_return(tenant_a, owner_a, django_capture_on_commit_callbacks):
    draft = VatReturnFactory(tenant=tenant_a, status=ReturnStatus.DRAFT)
    approved = VatReturnFactory(tenant=tenant_a, status=ReturnStatus.APPROVED)
    with tenant_context(tenant_a):
        with pytest.raises(FilingError, match="Only an approved return"):
            retry_submission(vat_return=draft, actor=verified(owner_a))
        with django_capture_on_commit_callbacks() as callbacks:
            retry_submission(vat_return=approved, actor=verified(owner_a))
    assert len(callbacks) == 1


def test_a_submitted_return_needs_a_receipt_or_a_reconciliation(tenant_a):
    from django.db import IntegrityError, transaction

    with tenant_context(tenant_a), pytest.raises(IntegrityError), transaction.atomic():
        VatReturnFactory(tenant=tenant_a, status=ReturnStatus.SUBMITTED)
    with tenant_context(tenant_a):
        assert not VatReturn.objects.filter(status=ReturnStatus.SUBMITTED).exists()
