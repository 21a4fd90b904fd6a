"""Steps 4 to 7 and finishing: HMRC connection gate, VAT scheme and stagger, team, first document, completion."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from prometheus_client import REGISTRY

from apps.documents.models import Document
from apps.integrations.errors import ExternalServiceUnavailable
from apps.onboarding.models import STEP_ORDER, Step
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Invitation, Role, Tenant
from tests.conftest import make_member
from tests.documents.samples import pdf_bytes
from tests.fph import FORM
from tests.helpers import audit_actions, audit_events
from tests.onboarding.conftest import progress_of, vat_period_start

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_processing(monkeypatch):
    from apps.documents.services import upload as upload_service

    monkeypatch.setattr(upload_service, "enqueue_processing", lambda run: None)


# --- HMRC -----------------------------------------------------------------


def test_hmrc_step_is_blocked_until_connected(owner_client, url, new_business, advance, hmrc):
    advance(Step.HMRC)
    page = owner_client.get(url("hmrc")).content.decode()
    assert "Connect to HMRC" in page
    assert 'action="/t/brightwater/integrations/hmrc/connect/?next=%2Ft%2Fbrightwater%2Fonboarding%2Fhmrc%2F"' in page
    response = owner_client.post(url("hmrc-continue"))
    assert response.status_code == 400 and "Connect to HMRC first" in response.content.decode()
    assert not progress_of(new_business).is_completed(Step.HMRC)
    assert owner_client.get(url("vat"))["Location"] == url("hmrc")

    hmrc.connect()
    assert "Connected to HMRC" in owner_client.get(url("hmrc")).content.decode()
    response = owner_client.post(url("hmrc-continue"))
    assert response["Location"] == url("vat")
    assert progress_of(new_business).is_completed(Step.HMRC)


def test_a_lapsed_connection_does_not_count(owner_client, url, new_business, advance, hmrc):
    advance(Step.HMRC)
    hmrc.connect()
    hmrc.connection.status = "needs_reauth"
    assert "permission has lapsed" in owner_client.get(url("hmrc")).content.decode()
    assert owner_client.post(url("hmrc-continue")).status_code == 400


# --- VAT scheme and stagger ------------------------------------------------


def _vat_form(**change) -> dict:
    form = {"scheme": "standard", "stagger": "stagger_1", "first_period_start": vat_period_start().isoformat()}
    return {**form, **FORM, **change}


def test_without_browser_facts_the_periods_are_not_fetched_and_the_step_says_so(
    owner_client, url, new_business, advance, obligations
):
    """HMRC requires the browser's facts on a person's call: none sent means no call, and a plain warning."""
    advance(Step.VAT)
    response = owner_client.post(url("vat"), _vat_form(fph_browser=""), follow=True)
    assert response.status_code == 200
    assert obligations.initiators == [None]
    assert "JavaScript" in response.content.decode()
    data = progress_of(new_business).step_data(Step.VAT)
    assert data["obligations_synced"] is False and progress_of(new_business).is_completed(Step.VAT)


def test_the_periods_are_fetched_as_the_person_who_saved_the_step(
    owner_client, url, new_business, advance, obligations
):
    advance(Step.VAT)
    owner_client.post(url("vat"), _vat_form())
    (initiator,) = obligations.initiators
    assert initiator.connection_method == "WEB_APP_VIA_SERVER"
    assert initiator.context["screens"][0]["width"] == 1920 and initiator.context["user_ids"]


def test_vat_settings_saved_and_obligations_fetched(owner_client, url, new_business, advance, obligations):
    from apps.filing.selectors import vat_settings_for
    from tests.conftest import make_member

    advance(Step.VAT)
    make_member(new_business, "accountant")  # four-eyes needs a second person who can approve
    response = owner_client.post(url("vat"), _vat_form(four_eyes="on"))
    assert response.status_code == 302 and response["Location"] == url("team")
    with tenant_context(new_business):
        saved = vat_settings_for(new_business)
    assert (saved.scheme, saved.stagger, saved.first_period_start, saved.four_eyes) == (
        "standard", "stagger_1", vat_period_start(), True)  # fmt: skip
    assert obligations.calls == 1
    data = progress_of(new_business).step_data(Step.VAT)
    assert data["obligations_synced"] is True and data["obligations"] == 2
    assert "filing.vat_settings.saved" in audit_actions(new_business.pk)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"scheme": "flat_rate"}, "Cash accounting is not supported yet"),
        ({"scheme": "cash"}, "Cash accounting is not supported yet"),
        ({"stagger": "stagger_9"}, "Select a valid choice"),
        ({"first_period_start": ""}, "This field is required"),
        ({"first_period_start": "not a date"}, "Enter a valid date"),
    ],
)
def test_vat_choices_are_validated(owner_client, url, new_business, advance, obligations, change, message):
    advance(Step.VAT)
    response = owner_client.post(url("vat"), _vat_form(**change))
    assert response.status_code == 400 and message in response.content.decode()
    assert obligations.calls == 0 and not progress_of(new_business).is_completed(Step.VAT)


@pytest.mark.parametrize(
    ("stagger", "start", "message"),
    [
        ("stagger_1", date(2025, 2, 1), "1 February 2025 is not the first day of a period for quarters ending March,"),
        ("stagger_1", date(2025, 4, 2), "they start on 1 January, 1 April, 1 July, 1 October"),
        ("stagger_2", date(2025, 1, 1), "they start on 1 February, 1 May, 1 August, 1 November"),
        ("stagger_3", date(2025, 4, 1), "they start on 1 March, 1 June, 1 September, 1 December"),
        ("monthly", date(2025, 4, 15), "monthly periods start on the 1st"),
        ("stagger_1", date(2016, 1, 1), "after April 2017"),
    ],
)
def test_first_period_must_start_a_period_of_the_stagger(
    owner_client, url, advance, obligations, stagger, start, message
):
    advance(Step.VAT)
    response = owner_client.post(url("vat"), _vat_form(stagger=stagger, first_period_start=start.isoformat()))
    assert response.status_code == 400 and message in response.content.decode()


@pytest.mark.parametrize(("stagger", "start"), [("stagger_2", date(2025, 5, 1)), ("stagger_3", date(2025, 12, 1)),
                                                ("monthly", date(2025, 7, 1))])  # fmt: skip
def test_valid_starts_for_each_stagger(owner_client, url, advance, obligations, stagger, start):
    advance(Step.VAT)
    response = owner_client.post(url("vat"), _vat_form(stagger=stagger, first_period_start=start.isoformat()))
    assert response.status_code == 302


def test_hmrc_away_while_fetching_periods_keeps_the_settings(owner_client, url, new_business, advance, obligations):
    advance(Step.VAT)
    obligations.error = ExternalServiceUnavailable(service="HMRC")
    response = owner_client.post(url("vat"), _vat_form(), follow=True)
    page = response.content.decode()
    assert response.status_code == 200 and "could not fetch your VAT periods from HMRC" in page
    assert "HMRC is not responding" in page
    data = progress_of(new_business).step_data(Step.VAT)
    assert data["obligations_synced"] is False and progress_of(new_business).is_completed(Step.VAT)


# --- Team --------------------------------------------------------------------


def test_invite_team_members_then_continue(
    owner_client, url, new_business, advance, django_capture_on_commit_callbacks
):
    advance(Step.TEAM)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(url("team-invite"), {"email": "Bea@Example.test", "role": Role.BOOKKEEPER})
    assert response["Location"] == url("team")
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(url("team-invite"), {"email": "acc@example.test", "role": Role.ACCOUNTANT})
    with tenant_context(new_business):
        assert sorted(Invitation.objects.values_list("email", flat=True)) == ["acc@example.test", "bea@example.test"]
    assert [m.to for m in mail.outbox] == [["bea@example.test"], ["acc@example.test"]]
    assert "/invitations/" in mail.outbox[0].body
    page = owner_client.get(url("team")).content.decode()
    assert "bea@example.test" in page and "acc@example.test" in page
    assert owner_client.post(url("team-continue"))["Location"] == url("documents")
    data = progress_of(new_business).step_data(Step.TEAM)
    assert data["skipped"] is False and len(data["invited"]) == 2
    assert audit_actions(new_business.pk).count("tenancy.invitation.created") == 2


def test_bad_invitations_are_400(owner_client, url, new_business, advance, owner):
    advance(Step.TEAM)
    assert owner_client.post(url("team-invite"), {"email": "nope", "role": "bookkeeper"}).status_code == 400
    assert owner_client.post(url("team-invite"), {"email": "x@example.test", "role": "owner"}).status_code == 400
    response = owner_client.post(url("team-invite"), {"email": owner.email, "role": "bookkeeper"})
    assert response.status_code == 400 and "already a member" in response.content.decode()
    with tenant_context(new_business):
        assert not Invitation.objects.exists()


def test_team_can_be_skipped(owner_client, url, new_business, advance):
    advance(Step.TEAM)
    owner_client.post(url("team-continue"))
    assert progress_of(new_business).step_data(Step.TEAM)["skipped"] is True


# --- First document, and finishing -----------------------------------------


def _metric(name: str) -> float:
    return REGISTRY.get_sample_value(name) or 0.0


def test_upload_a_first_document_finishes_onboarding(
    owner_client, url, new_business, advance, no_processing, django_capture_on_commit_callbacks
):
    advance(Step.DOCUMENTS)
    started, completed = (
        _metric("strongroom_onboarding_started_total"),
        _metric("strongroom_onboarding_completed_total"),
    )
    in_600 = REGISTRY.get_sample_value("strongroom_onboarding_duration_seconds_bucket", {"le": "600.0"}) or 0.0
    upload = SimpleUploadedFile("first-receipt.pdf", pdf_bytes(["Fictitious Timber Ltd", "Total 120.00"]))
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(url("documents-upload"), {"files": [upload]})
    assert response["Location"] == url("done")
    with tenant_context(new_business):
        assert Document.objects.get().original_filename == "first-receipt.pdf"
    progress = progress_of(new_business)
    new_business.refresh_from_db()
    assert new_business.status == Tenant.Status.ACTIVE
    assert progress.completed_at is not None and progress.duration is not None and progress.duration >= timedelta(0)
    assert progress.step_data(Step.DOCUMENTS) == {"uploaded": 1, "skipped": False}
    assert _metric("strongroom_onboarding_completed_total") == completed + 1
    assert _metric("strongroom_onboarding_started_total") == started  # started earlier, by advance()
    after = REGISTRY.get_sample_value("strongroom_onboarding_duration_seconds_bucket", {"le": "600.0"})
    assert after == in_600 + 1  # the test took well under ten minutes
    page = owner_client.get(url("done")).content.decode()
    assert "is set up" in page
    # A finished wizard shows its end page instead of the steps.
    assert owner_client.get(url("business"))["Location"] == url("done")
    assert owner_client.get(url("start"))["Location"] == url("done")


def test_a_file_that_is_not_a_document_is_refused(owner_client, url, new_business, advance, no_processing):
    advance(Step.DOCUMENTS)
    response = owner_client.post(url("documents-upload"), {"files": [SimpleUploadedFile("notes.txt", b"hello")]})
    assert response.status_code == 400 and "notes.txt" in response.content.decode()
    assert owner_client.post(url("documents-upload"), {}).status_code == 400
    assert not progress_of(new_business).is_completed(Step.DOCUMENTS)
    new_business.refresh_from_db()
    assert new_business.status == Tenant.Status.ONBOARDING


def test_skip_documents_finishes_and_every_step_is_audited(owner_client, url, new_business, advance):
    advance(Step.DOCUMENTS)
    response = owner_client.post(url("documents-skip"))
    assert response["Location"] == url("done")
    new_business.refresh_from_db()
    assert new_business.status == Tenant.Status.ACTIVE
    steps = [e.body for e in audit_events(new_business.pk, action="onboarding.step.completed")]
    for step in STEP_ORDER[:-1]:
        assert any(f'"step":"{step}"' in body for body in steps), step
    for action in ("onboarding.progress.started", "onboarding.kyc.checked", "onboarding.progress.completed"):
        assert action in audit_actions(new_business.pk)
    [done] = audit_events(new_business.pk, action="onboarding.progress.completed")
    assert '"tenant_status":"active"' in done.body and "duration_seconds" in done.body


def test_finish_is_refused_while_a_required_step_is_missing(owner_client, url, new_business, advance):
    from apps.onboarding.errors import StepNotReady
    from apps.onboarding.services.progress import complete_onboarding

    advance(Step.VAT)
    with tenant_context(new_business), pytest.raises(StepNotReady, match="VAT scheme"):
        complete_onboarding(tenant=new_business, actor=None)
    new_business.refresh_from_db()
    assert new_business.status == Tenant.Status.ONBOARDING


def test_a_bookkeeper_cannot_finish(client, url, new_business, advance):
    advance(Step.DONE)
    bookkeeper = make_member(new_business, Role.BOOKKEEPER)
    client.force_login(bookkeeper)
    assert client.post(url("finish")).status_code == 403
    assert client.post(url("documents-skip")).status_code == 403
