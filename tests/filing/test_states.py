"""Every (status, transition) pair of the VAT return and obligation tables, on real rows; and the return's actions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.filing.actions import Facts, available_actions, require_action
from apps.filing.calculation import Blocker
from apps.filing.domain import ReturnStatus
from apps.filing.errors import ApprovalRefused, FilingError, ReturnFrozen, ReturnNotReady
from apps.filing.states import OBLIGATION_STATES, RETURN_STATES, ReturnStateError, move_obligation, move_return
from tests.core.tables import enumerate_table
from tests.factories import HmrcConnectionFactory, UserFactory
from tests.factories.filing import VatObligationFactory, VatReturnFactory, VatSettingsFactory

pytestmark = pytest.mark.django_db

# A submitted return must carry HMRC's receipt (a database constraint): every row here has one.
RECEIPT = {"form_bundle_number": "123456789012"}


def test_the_return_table_moves_exactly_the_allowed_pairs(tenant_a, in_tenant):
    with in_tenant(tenant_a):
        wrong = enumerate_table(
            RETURN_STATES,
            lambda status: VatReturnFactory(tenant=tenant_a, status=status, **RECEIPT),
            lambda row, name: move_return(row, name),
        )
    assert wrong == []


def test_the_obligation_table_moves_exactly_the_allowed_pairs(tenant_a, in_tenant):
    with in_tenant(tenant_a):
        wrong = enumerate_table(
            OBLIGATION_STATES,
            lambda status: VatObligationFactory(tenant=tenant_a, status=status),
            lambda row, name: move_obligation(row, name),
        )
    assert wrong == []


def test_a_receipt_is_written_in_the_same_statement_as_the_submitted_status(tenant_a, in_tenant):
    with in_tenant(tenant_a):
        vat_return = VatReturnFactory(tenant=tenant_a, status=ReturnStatus.SUBMITTING)
        move_return(vat_return, "record_receipt", changes={"form_bundle_number": "999988887777"})
        vat_return.refresh_from_db()
    assert vat_return.status == ReturnStatus.SUBMITTED and vat_return.form_bundle_number == "999988887777"


def test_a_refused_move_is_a_filing_error_and_says_already(tenant_a, in_tenant):
    with in_tenant(tenant_a):
        vat_return = VatReturnFactory(tenant=tenant_a, status=ReturnStatus.APPROVED)
        with pytest.raises(ReturnStateError, match="already approved") as refused:
            move_return(vat_return, "approve")
    assert isinstance(refused.value, ReturnFrozen) and refused.value.status == 409


def _available(vat_return, facts) -> set[str]:
    return {name for name, action in available_actions(vat_return, facts).items() if action.available}


def test_a_draft_can_be_prepared_or_approved_unless_blocked(tenant_a, in_tenant):
    with in_tenant(tenant_a):
        obligation = VatObligationFactory(tenant=tenant_a)
        settings = VatSettingsFactory(tenant=tenant_a)
        assert _available(None, Facts(obligation, settings, blockers=[])) == {"prepare", "approve"}
        not_connected = [Blocker("hmrc_not_connected", "Connect to HMRC.")]
        # The figures may be frozen for approval without the connection; approval needs it.
        assert _available(None, Facts(obligation, settings, blockers=not_connected)) == {"prepare"}
        approve = available_actions(None, Facts(obligation, settings, blockers=not_connected))["approve"]
        assert approve.reason == "Connect to HMRC."


def test_four_eyes_sends_a_draft_for_approval_and_keeps_the_preparer_from_approving(tenant_a, in_tenant):
    preparer, other = UserFactory(), UserFactory()
    with in_tenant(tenant_a):
        HmrcConnectionFactory(tenant=tenant_a)
        settings = VatSettingsFactory(tenant=tenant_a, four_eyes=True)
        vat_return = VatReturnFactory(tenant=tenant_a, status=ReturnStatus.DRAFT)
        facts = Facts(vat_return.obligation, settings, preparer.pk, blockers=[])
        with pytest.raises(ApprovalRefused, match="send the return for approval first"):
            require_action(vat_return, "approve", facts)
        assert require_action(vat_return, "prepare", facts) == "send_for_approval"
        vat_return.status, vat_return.prepared_by = ReturnStatus.AWAITING_APPROVAL, preparer
        with pytest.raises(ApprovalRefused, match="someone other than the preparer"):
            require_action(vat_return, "approve", facts)
        other_facts = Facts(vat_return.obligation, settings, other.pk)
        assert _available(vat_return, other_facts) == {"approve", "return_to_draft"}


def test_frozen_figures_are_not_approved_without_the_hmrc_connection(tenant_a, in_tenant):
    with in_tenant(tenant_a):
        vat_return = VatReturnFactory(tenant=tenant_a, status=ReturnStatus.AWAITING_APPROVAL)
        with pytest.raises(ReturnNotReady, match="Connect Strongroom to HMRC"):
            require_action(vat_return, "approve", Facts(vat_return.obligation))


def test_send_now_is_for_an_approved_return_or_an_attempt_past_its_lease(tenant_a, in_tenant):
    now = timezone.now()
    with in_tenant(tenant_a):
        approved = VatReturnFactory(tenant=tenant_a, status=ReturnStatus.APPROVED)
        in_flight = VatReturnFactory(tenant=tenant_a, status=ReturnStatus.SUBMITTING, submitting_since=now)
        dead = VatReturnFactory(
            tenant=tenant_a, status=ReturnStatus.SUBMITTING, submitting_since=now - timedelta(minutes=10)
        )
        draft = VatReturnFactory(tenant=tenant_a, status=ReturnStatus.DRAFT)
        for vat_return, expected in ((approved, True), (in_flight, False), (dead, True), (draft, False)):
            send_now = available_actions(vat_return, Facts(vat_return.obligation, now=now))["send_now"]
            assert send_now.available is expected, vat_return.status
        with pytest.raises(FilingError, match="this one is sending to hmrc"):
            require_action(in_flight, "send_now", Facts(in_flight.obligation, now=now))
