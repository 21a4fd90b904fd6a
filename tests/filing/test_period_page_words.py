"""What the period page says after approval, on a rejection, on a receipt, and to a preparer under four-eyes.

Bugs: "Approved. The return is being sent to HMRC…" above a page that says Rejected (in the embedded mode the
task runs during the request); "Correct the ledger" for every rejection, even ones that have nothing to do
with the figures; receipt pieces HMRC did not return silently left out; four-eyes that could be turned on with
one approver, and an approve form shown to the preparer who may not use it.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.db import transaction
from django.urls import reverse

from apps.filing.domain import FIGURES_ADVICE, REJECTION_ADVICE, UNKNOWN_ADVICE, ReturnStatus, rejection_advice
from apps.filing.errors import FilingError
from apps.filing.models import VatReturn, VatSettings
from apps.filing.selectors import receipt_rows, rejection_rows
from apps.filing.services.vat_settings import save_vat_settings
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Role
from tests.conftest import make_member
from tests.factories.filing import VatReturnFactory
from tests.filing.conftest import sale
from tests.filing.test_submission import with_scenario
from tests.fph import FORM
from tests.helpers import verified

pytestmark = pytest.mark.django_db
BEING_SENT = "Approved. The return is being sent to HMRC"


def url(name, tenant, **kwargs):
    return reverse(f"filing:{name}", kwargs={"tenant_slug": tenant.slug, **kwargs})


@pytest.fixture
def eager():
    """Tasks run in-process even when the suite has a broker (CI)."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def embedded(eager, monkeypatch):
    """The embedded mode: the submission task runs in-process as soon as the approval commits."""
    monkeypatch.setattr(transaction, "on_commit", lambda func, *args, **kwargs: func())


def _approve(client, tenant):
    page = client.get(url("period", tenant, period_key="25A1"))
    fingerprint = page.context["approve_form"].initial["fingerprint"]
    return client.post(
        url("approve", tenant, period_key="25A1"), {"fingerprint": fingerprint, "declaration": "on", **FORM}
    )


@pytest.mark.parametrize(
    ("scenario", "status", "says", "advice"),
    [
        ("", ReturnStatus.SUBMITTED, "Submitted to HMRC: the receipt is below.", ""),
        ("TAX_PERIOD_NOT_ENDED", ReturnStatus.REJECTED, "HMRC rejected the return",
         REJECTION_ADVICE["TAX_PERIOD_NOT_ENDED"]),
        ("INSOLVENT_TRADER", ReturnStatus.REJECTED, "HMRC rejected the return",
         REJECTION_ADVICE["RULE_INSOLVENT_TRADER"]),
        ("INVALID_PERIODKEY", ReturnStatus.REJECTED, "HMRC rejected the return",
         REJECTION_ADVICE["PERIOD_KEY_INVALID"]),
        ("INVALID_PAYLOAD", ReturnStatus.REJECTED, "HMRC rejected the return", FIGURES_ADVICE),
    ],
)  # fmt: skip
def test_the_approval_message_follows_what_happened_in_the_request(
    verified_client, tenant_a, owner_a, hmrc_a, embedded, monkeypatch, scenario, status, says, advice
):
    with tenant_context(tenant_a):
        sale(date(2025, 2, 1), "1000.00", "200.00", actor=owner_a)
    if scenario:
        with_scenario(monkeypatch, scenario)
    client = verified_client(owner_a)
    response = _approve(client, tenant_a)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    with tenant_context(tenant_a):
        assert VatReturn.objects.get().status == status
    assert says in page
    assert BEING_SENT not in page
    if advice:
        assert advice in page.replace("&quot;", '"').replace("&#x27;", "'")
        assert "Correct the ledger, then approve" not in page


def test_approved_but_deferred_says_when_it_will_be_tried_again(verified_client, tenant_a, owner_a, hmrc_a, embedded):
    from apps.sandbox.services.faults import clear_faults, set_fault

    with tenant_context(tenant_a):
        sale(date(2025, 2, 1), "1000.00", "200.00", actor=owner_a)
    client = verified_client(owner_a)
    set_fault("hmrc", outage=True)
    try:
        response = _approve(client, tenant_a)
    finally:
        clear_faults()
    page = client.get(response["Location"]).content.decode()
    assert "Approved, but not submitted yet:" in page and "Next try around" in page
    assert BEING_SENT not in page


@pytest.mark.parametrize(
    ("code", "errors", "advice"),
    [
        ("VRN_INVALID", [], REJECTION_ADVICE["VRN_INVALID"]),
        ("CLIENT_OR_AGENT_NOT_AUTHORISED", [], REJECTION_ADVICE["CLIENT_OR_AGENT_NOT_AUTHORISED"]),
        ("FORBIDDEN", [], REJECTION_ADVICE["CLIENT_OR_AGENT_NOT_AUTHORISED"]),
        ("RULE_INSOLVENT_TRADER", [], REJECTION_ADVICE["RULE_INSOLVENT_TRADER"]),
        ("TAX_PERIOD_NOT_ENDED", [], REJECTION_ADVICE["TAX_PERIOD_NOT_ENDED"]),
        ("DUPLICATE_SUBMISSION", [], REJECTION_ADVICE["DUPLICATE_SUBMISSION"]),
        ("PERIOD_KEY_INVALID", [], REJECTION_ADVICE["PERIOD_KEY_INVALID"]),
        ("NOT_FINALISED", [], REJECTION_ADVICE["NOT_FINALISED"]),
        ("VAT_NET_VALUE", [], FIGURES_ADVICE),
        ("INVALID_REQUEST", [{"code": "INVALID_MONETARY_AMOUNT", "path": "/vatReclaimedCurrPeriod"}], FIGURES_ADVICE),
        ("SOMETHING_NEW", [], UNKNOWN_ADVICE),
    ],
)
def test_rejection_advice_is_specific_to_the_error(code, errors, advice):
    assert rejection_advice(code, errors) == advice
    not_figures = {"VRN_INVALID", "CLIENT_OR_AGENT_NOT_AUTHORISED", "RULE_INSOLVENT_TRADER", "TAX_PERIOD_NOT_ENDED"}
    if code in not_figures:
        assert "nothing in the ledger needs to change" in advice


def test_per_box_errors_name_the_box(tenant_a):
    vat_return = VatReturnFactory.build(
        tenant=tenant_a,
        status=ReturnStatus.REJECTED,
        rejection_errors=[
            {"code": "INVALID_MONETARY_AMOUNT", "message": "not money", "path": "/vatReclaimedCurrPeriod"},
            {"code": "INVALID_MONETARY_AMOUNT", "message": "must be whole", "path": "/totalAcquisitionsExVAT"},
            {"code": "NOT_FINALISED", "message": "declaration", "path": "/finalised"},
            "not a dict",
        ],
    )  # fmt: skip
    assert [(r["where"], r["code"]) for r in rejection_rows(vat_return)] == [
        ("Box 4", "INVALID_MONETARY_AMOUNT"),
        ("Box 9", "INVALID_MONETARY_AMOUNT"),
        ("finalised", "NOT_FINALISED"),
    ]


def _rows(vat_return) -> dict[str, tuple[str, str]]:
    return {r.label: (r.value, r.note) for r in receipt_rows(vat_return)}


def test_every_piece_of_the_receipt_is_kept_and_shown(verified_client, tenant_a, owner_a, hmrc_a, embedded):
    with tenant_context(tenant_a):
        sale(date(2025, 2, 1), "1000.00", "200.00", actor=owner_a)
    client = verified_client(owner_a)
    _approve(client, tenant_a)
    with tenant_context(tenant_a):
        vat_return = VatReturn.objects.get()
    rows = _rows(vat_return)
    for label in ("Form bundle number", "Processed by HMRC", "Charge reference", "Receipt ID",
                  "Receipt timestamp", "HMRC correlation ID"):  # fmt: skip
        assert rows[label][0], f"{label} was returned by the sandbox but not kept"
    # Payable with no Direct Debit: HMRC sends no payment indicator, and the page says so.
    assert rows["Payment"] == (
        "", "HMRC did not say how it will be paid (it says so for a Direct Debit or a repayment only).",
    )  # fmt: skip
    page = client.get(url("period", tenant_a, period_key="25A1")).content.decode()
    assert vat_return.correlation_id in page and vat_return.receipt_id in page
    assert page.count("Not returned.") == 1


def test_what_hmrc_did_not_return_is_said_plainly(tenant_a):
    from decimal import Decimal

    reconciled = VatReturnFactory.build(
        tenant=tenant_a, status=ReturnStatus.SUBMITTED, reconciled_from_hmrc=True,
        box1=Decimal("200.00"), box3=Decimal("200.00"), box5=Decimal("200.00"),
    )  # fmt: skip
    rows = _rows(reconciled)
    assert rows["Form bundle number"] == (
        "", "HMRC already held this return, so Strongroom confirmed it by reading it back, which does not carry "
        "a form bundle number.",
    )  # fmt: skip
    assert rows["Charge reference"][1].endswith("the charge reference.")
    repayment = VatReturnFactory.build(
        tenant=tenant_a, status=ReturnStatus.SUBMITTED, form_bundle_number="123456789012",
        box4=Decimal("50.00"), box5=Decimal("50.00"),
    )  # fmt: skip
    rows = _rows(repayment)
    assert rows["Charge reference"] == (
        "", "None: nothing is owed for this return (HMRC gives one only when there is VAT to pay).",
    )  # fmt: skip
    assert rows["Receipt ID"] == ("", "HMRC did not return it.")


def test_four_eyes_cannot_be_turned_on_without_a_second_approver(tenant_a, owner_a):
    make_member(tenant_a, Role.BOOKKEEPER)  # prepares, may not approve
    values = {"scheme": "standard", "stagger": "stagger_1", "first_period_start": date(2025, 1, 1)}
    with tenant_context(tenant_a):
        with pytest.raises(FilingError, match=f"only {owner_a.email} can approve returns"):
            save_vat_settings(tenant=tenant_a, actor=owner_a, four_eyes=True, **values)
        assert not VatSettings.objects.exists()  # nothing written
        save_vat_settings(tenant=tenant_a, actor=owner_a, four_eyes=False, **values)
    accountant = make_member(tenant_a, Role.ACCOUNTANT)
    with tenant_context(tenant_a):
        assert save_vat_settings(tenant=tenant_a, actor=owner_a, four_eyes=True, **values).four_eyes
    accountant.is_active = False
    accountant.save()
    with tenant_context(tenant_a), pytest.raises(FilingError, match="Invite a second owner or an accountant"):
        save_vat_settings(tenant=tenant_a, actor=owner_a, four_eyes=True, **values)


def test_the_preparer_is_told_who_must_approve_instead_of_a_form(verified_client, tenant_a, owner_a, hmrc_a):
    accountant = make_member(tenant_a, Role.ACCOUNTANT)
    with tenant_context(tenant_a):
        VatSettings.objects.update(four_eyes=True)
        sale(date(2025, 2, 1), "100.00", "20.00", actor=owner_a)
    owner = verified_client(owner_a)
    fingerprint = owner.get(url("period", tenant_a, period_key="25A1")).context["prepare_form"].initial["fingerprint"]
    owner.post(url("send-for-approval", tenant_a, period_key="25A1"), {"fingerprint": fingerprint})
    page = owner.get(url("period", tenant_a, period_key="25A1")).content.decode()
    assert 'data-testid="waiting-for-approver"' in page and accountant.email in page
    assert 'data-testid="approve-submit"' not in page
    owner.logout()
    other = verified_client(accountant).get(url("period", tenant_a, period_key="25A1")).content.decode()
    assert 'data-testid="approve-submit"' in other and 'data-testid="waiting-for-approver"' not in other


def test_a_persons_retry_whose_read_back_fails_is_not_a_500(verified_client, tenant_a, owner_a, hmrc_a, embedded,
                                                            monkeypatch):  # fmt: skip
    """HMRC said it holds the return, and now refuses to show it: the retry says so, and posts nothing."""
    from django.utils import timezone

    from apps.filing.services.returns import approve_return
    from apps.integrations.errors import HmrcRejected
    from apps.integrations.hmrc import vat_client

    def refused(self, vrn, period_key, **kwargs):
        raise HmrcRejected(code="CLIENT_OR_AGENT_NOT_AUTHORISED", status=403)

    def must_not_post(self, vrn, body, **kwargs):
        raise AssertionError("posted a return HMRC already holds")

    monkeypatch.setattr(vat_client.HmrcVatClient, "submit_return", must_not_post)
    monkeypatch.setattr(vat_client.HmrcVatClient, "view_return", refused)
    q1 = hmrc_a[0]
    with tenant_context(tenant_a):
        sale(date(2025, 2, 1), "1000.00", "200.00", actor=owner_a)
    client = verified_client(owner_a)
    fingerprint = client.get(url("period", tenant_a, period_key="25A1")).context["approve_form"].initial["fingerprint"]
    with tenant_context(tenant_a):
        VatReturnFactory(tenant=tenant_a, obligation=q1, hmrc_reported_duplicate_at=timezone.now())
        approve_return(
            obligation=q1, actor=verified(owner_a), declaration=True, expected_fingerprint=fingerprint, fraud_context={}
        )  # fmt: skip  (its own attempt: refused read-back, parked)
    response = client.post(url("retry", tenant_a, period_key="25A1"))
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Approved, but not submitted yet:" in page and "would not show it to Strongroom" in page
    with tenant_context(tenant_a):
        vat_return = VatReturn.objects.get()
        assert vat_return.status == ReturnStatus.APPROVED and vat_return.submission_attempts.count() == 2


def test_a_dead_attempt_with_no_automatic_attempts_left_can_be_sent_by_a_person(
    verified_client, tenant_a, owner_a, hmrc_a, django_capture_on_commit_callbacks, monkeypatch, eager
):
    """The sweep leaves it alone (attempts used up), so the page must offer "Send now", and it must work."""
    from datetime import timedelta

    from django.utils import timezone

    from apps.filing.services import submission
    from tests.filing.test_submission import approve

    with tenant_context(tenant_a):
        sale(date(2025, 2, 1), "1000.00", "200.00", actor=owner_a)
    vat_return = approve(tenant_a, hmrc_a[0], owner_a, django_capture_on_commit_callbacks)
    assert submission.claim(tenant_id=tenant_a.id, return_id=vat_return.pk) is not None  # ... and its worker died
    with tenant_context(tenant_a):
        VatReturn.objects.filter(pk=vat_return.pk).update(
            attempts=submission.MAX_AUTOMATIC_ATTEMPTS, submitting_since=timezone.now() - timedelta(minutes=30)
        )
    assert submission.stalled_returns() == []
    client = verified_client(owner_a)
    page = client.get(url("period", tenant_a, period_key="25A1")).content.decode()
    assert "Send now" in page
    monkeypatch.setattr(transaction, "on_commit", lambda func, *args, **kwargs: func())  # the embedded mode
    response = client.post(url("retry", tenant_a, period_key="25A1"))
    assert response.status_code == 302
    assert "Submitted to HMRC" in client.get(response["Location"]).content.decode()
    with tenant_context(tenant_a):
        assert VatReturn.objects.get().status == ReturnStatus.SUBMITTED
