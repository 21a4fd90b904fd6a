"""Approval: declaration, four-eyes, figures that changed, frozen states, audit with the exact figures."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from apps.filing import calculation
from apps.filing.domain import ReturnStatus
from apps.filing.errors import ApprovalRefused, ReturnFrozen, ReturnNotReady
from apps.filing.models import FilingPeriodOverview, VatReturn, VatSettings
from apps.filing.services.returns import approve_return, fingerprint, return_to_draft, send_for_approval
from apps.integrations.hmrc.models import HmrcConnection
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Role
from tests.conftest import make_member
from tests.filing.conftest import sale
from tests.helpers import audit_events, commit_data_keys, verified

D = Decimal


@pytest.fixture
def connected_a(tenant_a, owner_a, books_a):
    with tenant_context(tenant_a):
        HmrcConnection.objects.create(tenant=tenant_a, status="connected", connected_by=owner_a)
    return books_a


def current_fingerprint(obligation) -> str:
    settings = VatSettings.objects.first()
    return fingerprint(
        calculation.figures_for(obligation, VatReturn.objects.filter(obligation=obligation).first(), settings).boxes
    )


def approve(obligation, actor, **overrides):
    kwargs = {
        "obligation": obligation,
        "actor": verified(actor),
        "declaration": True,
        "expected_fingerprint": current_fingerprint(obligation),
        "fraud_context": {"client_ip": "198.51.100.7"},
    }
    kwargs.update(overrides)
    return approve_return(**kwargs)


def test_approve_freezes_audits_the_figures_and_queues_one_submission(
    tenant_a, owner_a, connected_a, django_capture_on_commit_callbacks
):
    q1 = connected_a[0]
    commit_data_keys(tenant_a, django_capture_on_commit_callbacks)  # sealed fraud context: key cached as on commit
    with tenant_context(tenant_a):
        sale(date(2025, 2, 1), "100.00", "20.00", actor=owner_a)
        with django_capture_on_commit_callbacks() as callbacks:
            vat_return = approve(q1, owner_a)
        assert vat_return.status == ReturnStatus.APPROVED
        assert vat_return.box1 == D("20.00") and vat_return.box6 == D("100")
        assert vat_return.lines.count() == 2
        assert vat_return.fraud_context == {"client_ip": "198.51.100.7"}
        with connection.cursor() as cursor:  # decision 0025: the approver's device facts are sealed at rest
            cursor.execute(
                "SELECT fraud_context FROM filing_vatreturn WHERE id = %s",
                [vat_return.pk.hex if connection.vendor == "sqlite" else vat_return.pk],
            )
            (stored,) = cursor.fetchone()
        assert bytes(stored)[0] == 1 and b"198.51.100.7" not in bytes(stored)
        overview = FilingPeriodOverview.objects.get(tenant=tenant_a, period_key=q1.period_key)
    assert len(callbacks) == 1
    assert overview.return_status == ReturnStatus.APPROVED and overview.approved_at is not None
    (event,) = audit_events(tenant_a.id, action="filing.return.approved")
    body = json.loads(event.body)
    assert body["after"]["figures"]["box1"] == "20.00"
    assert body["after"]["declaration"] is True


def test_without_the_declaration_nothing_is_approved(tenant_a, owner_a, connected_a):
    q1 = connected_a[0]
    with tenant_context(tenant_a):
        with pytest.raises(ApprovalRefused, match="declaration"):
            approve(q1, owner_a, declaration=False)
        assert not VatReturn.objects.exists()


def test_figures_that_changed_since_the_page_was_opened_are_refused(tenant_a, owner_a, connected_a):
    q1 = connected_a[0]
    with tenant_context(tenant_a):
        seen = current_fingerprint(q1)
        sale(date(2025, 2, 1), "100.00", "20.00", actor=owner_a)
        with pytest.raises(ApprovalRefused, match="changed"):
            approve(q1, owner_a, expected_fingerprint=seen)
        assert not VatReturn.objects.filter(status=ReturnStatus.APPROVED).exists()
        assert not VatReturn.objects.filter(lines__isnull=False).exists()


def test_a_second_approval_is_refused(tenant_a, owner_a, connected_a, django_capture_on_commit_callbacks):
    q1 = connected_a[0]
    commit_data_keys(tenant_a, django_capture_on_commit_callbacks)  # sealed fraud context: key cached as on commit
    with tenant_context(tenant_a):
        with django_capture_on_commit_callbacks() as callbacks:
            approve(q1, owner_a)
            with pytest.raises(ReturnFrozen, match="already"):
                approve(q1, owner_a)
    assert len(callbacks) == 1


def test_not_connected_to_hmrc_blocks_approval(tenant_a, owner_a, books_a):
    with tenant_context(tenant_a):
        with pytest.raises(ReturnNotReady, match="Connect Strongroom to HMRC"):
            approve(books_a[0], owner_a)


def test_four_eyes_needs_a_second_person(tenant_a, owner_a, connected_a, django_capture_on_commit_callbacks):
    q1 = connected_a[0]
    commit_data_keys(tenant_a, django_capture_on_commit_callbacks)  # sealed fraud context: key cached as on commit
    accountant = make_member(tenant_a, Role.ACCOUNTANT)
    with tenant_context(tenant_a):
        VatSettings.objects.update(four_eyes=True)
        sale(date(2025, 2, 1), "100.00", "20.00", actor=owner_a)
        with pytest.raises(ApprovalRefused, match="send the return for approval first"):
            approve(q1, owner_a)
        send_for_approval(obligation=q1, actor=owner_a, expected_fingerprint=current_fingerprint(q1))
        with pytest.raises(ApprovalRefused, match="someone other than the preparer"):
            approve(q1, owner_a)
        with django_capture_on_commit_callbacks() as callbacks:
            vat_return = approve(q1, accountant)
    assert vat_return.prepared_by == owner_a and vat_return.approved_by == accountant
    assert len(callbacks) == 1


def test_return_to_draft_releases_the_lines(tenant_a, owner_a, connected_a):
    q1 = connected_a[0]
    with tenant_context(tenant_a):
        sale(date(2025, 2, 1), "100.00", "20.00", actor=owner_a)
        vat_return = send_for_approval(obligation=q1, actor=owner_a, expected_fingerprint=current_fingerprint(q1))
        assert vat_return.lines.count() == 2
        return_to_draft(vat_return=vat_return, actor=owner_a, reason="Missed an invoice")
        vat_return.refresh_from_db()
        assert vat_return.status == ReturnStatus.DRAFT and vat_return.lines.count() == 0


def test_blockers_stop_the_freeze(tenant_a, owner_a, connected_a):
    from apps.documents.models import DocumentState
    from tests.factories import DocumentFactory

    q1 = connected_a[0]
    with tenant_context(tenant_a):
        DocumentFactory(tenant=tenant_a, state=DocumentState.FAILED,
                        extraction={"issue_date": {"value": "2025-02-01", "confidence": 0.9}})  # fmt: skip
        with pytest.raises(ReturnNotReady, match="still need review, failed to process"):
            approve(q1, owner_a)
        assert not VatReturn.objects.filter(status=ReturnStatus.APPROVED).exists()


def test_the_fingerprint_does_not_depend_on_how_a_figure_was_stored():
    from apps.filing.domain import VatBoxes

    assert fingerprint(VatBoxes(box6=D("100"))) == fingerprint(VatBoxes(box6=D("100.00")))
    assert fingerprint(VatBoxes(box6=D("100"))) != fingerprint(VatBoxes(box6=D("101")))
