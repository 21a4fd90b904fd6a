"""VAT pages: the control tower, a period with its boxes and drill-down, approval through the form, errors as 4xx."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from apps.filing.domain import ReturnStatus
from apps.filing.models import VatReturn, VatSettings
from apps.integrations.hmrc.models import HmrcConnection
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Role
from tests.conftest import make_member
from tests.filing.conftest import post_worked_example, sale
from tests.fph import FORM, HTMX
from tests.helpers import commit_data_keys

pytestmark = pytest.mark.django_db


def url(name, tenant, **kwargs):
    return reverse(f"filing:{name}", kwargs={"tenant_slug": tenant.slug, **kwargs})


@pytest.fixture
def owner_client(verified_client, owner_a):
    return verified_client(owner_a)


@pytest.fixture
def connected(tenant_a, owner_a, books_a):
    with tenant_context(tenant_a):
        HmrcConnection.objects.create(tenant=tenant_a, status="connected", connected_by=owner_a)
    return books_a


def test_control_tower_lists_periods_with_status_and_figure(owner_client, tenant_a, owner_a, connected):
    with tenant_context(tenant_a):
        sale(date(2025, 2, 1), "100.00", "20.00", actor=owner_a)
    response = owner_client.get(url("home", tenant_a))
    assert response.status_code == 200
    page = response.content.decode()
    assert "25A1" in page and "25A3" in page
    assert "£20.00" in page  # Q1's net VAT
    assert "Overdue" in page  # 2025 periods are long past their due dates


def test_period_page_shows_the_nine_boxes_and_links_to_lines(owner_client, tenant_a, owner_a, connected):
    with tenant_context(tenant_a):
        post_worked_example(date(2025, 2, 14), actor=owner_a)
    response = owner_client.get(url("period", tenant_a, period_key="25A1"))
    assert response.status_code == 200
    page = response.content.decode()
    for text in ("£2,050.00", "£800.00", "£1,250.00", "£14,500", "£4,500"):
        assert text in page
    assert url("box", tenant_a, period_key="25A1", box=6) in page
    drill = owner_client.get(url("box", tenant_a, period_key="25A1", box=6))
    assert drill.status_code == 200
    assert drill.content.decode().count("Sale ") == 4


def test_approving_through_the_form_queues_the_submission(
    owner_client, tenant_a, owner_a, connected, django_capture_on_commit_callbacks
):
    commit_data_keys(tenant_a, django_capture_on_commit_callbacks)  # sealed fraud context: key cached as on commit
    with tenant_context(tenant_a):
        sale(date(2025, 2, 1), "100.00", "20.00", actor=owner_a)
    page = owner_client.get(url("period", tenant_a, period_key="25A1"))
    fingerprint = page.context["approve_form"].initial["fingerprint"]
    with django_capture_on_commit_callbacks() as callbacks:
        response = owner_client.post(
            url("approve", tenant_a, period_key="25A1"),
            {"fingerprint": fingerprint, "declaration": "on", **FORM},
            REMOTE_ADDR="203.0.113.9",
        )
    assert response.status_code == 302
    assert len(callbacks) == 1
    with tenant_context(tenant_a):
        vat_return = VatReturn.objects.get()
        assert vat_return.fraud_context  # captured from the approver's request (sealed: opens in the context)
    assert vat_return.status == ReturnStatus.APPROVED


def test_approval_without_the_declaration_is_a_400_and_writes_nothing(owner_client, tenant_a, connected):
    page = owner_client.get(url("period", tenant_a, period_key="25A1"))
    fingerprint = page.context["approve_form"].initial["fingerprint"]
    response = owner_client.post(url("approve", tenant_a, period_key="25A1"), {"fingerprint": fingerprint})
    assert response.status_code == 400
    assert "Tick the declaration" in response.content.decode()
    with tenant_context(tenant_a):
        assert not VatReturn.objects.exists()


def test_a_stale_fingerprint_is_a_409_with_a_message(owner_client, tenant_a, connected):
    response = owner_client.post(
        url("approve", tenant_a, period_key="25A1"), {"fingerprint": "0" * 16, "declaration": "on", **FORM}
    )
    assert response.status_code == 409
    assert "changed since you opened the page" in response.content.decode()
    with tenant_context(tenant_a):
        assert not VatReturn.objects.filter(status=ReturnStatus.APPROVED).exists()


def test_a_bookkeeper_cannot_approve(client, tenant_a, connected):
    bookkeeper = make_member(tenant_a, Role.BOOKKEEPER)
    client.force_login(bookkeeper)
    response = client.post(url("approve", tenant_a, period_key="25A1"), {"fingerprint": "x", "declaration": "on"})
    assert response.status_code == 403


def test_unknown_period_and_box_are_404(owner_client, tenant_a, connected):
    assert owner_client.get(url("period", tenant_a, period_key="99Z9")).status_code == 404
    assert owner_client.get(url("box", tenant_a, period_key="25A1", box=10)).status_code == 404


def test_another_business_cannot_see_these_pages(client, tenant_a, bookkeeper_b, connected):
    client.force_login(bookkeeper_b)
    assert client.get(url("home", tenant_a)).status_code == 404
    assert client.get(url("period", tenant_a, period_key="25A1")).status_code == 404


def test_settings_form_validates_the_first_period(owner_client, tenant_a, books_a):
    bad = owner_client.post(
        url("settings", tenant_a), {"scheme": "standard", "stagger": "stagger_1", "first_period_start": "2025-02-01"}
    )
    assert bad.status_code == 400
    assert "not the first day of a VAT period" in bad.content.decode()
    make_member(tenant_a, Role.ACCOUNTANT)  # a second approver, so four-eyes can be on
    good = owner_client.post(
        url("settings", tenant_a),
        {"scheme": "standard", "stagger": "stagger_2", "first_period_start": "2025-02-01", "four_eyes": "on"},
    )
    assert good.status_code == 302
    with tenant_context(tenant_a):
        saved = VatSettings.objects.get()
    assert (saved.stagger, saved.four_eyes) == ("stagger_2", True)


def test_staff_control_tower_sorts_by_risk_and_opens_a_tenant_through_audited_access(
    verified_client, staff_user, tenant_a, owner_a, connected
):
    from apps.filing.services.overview import refresh_overview

    with tenant_context(tenant_a):
        for obligation in connected:
            refresh_overview(obligation)
    client = verified_client(staff_user)
    response = client.get(reverse("staff-filing:home"), {"sort": "risk", "risk": "overdue"})
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('data-risk="overdue"') == 3
    assert tenant_a.name in page
    detail = client.get(reverse("staff-filing:tenant", kwargs={"tenant_id": tenant_a.id}))
    assert detail.status_code == 404  # no elevated access yet: the business's periods do not exist for staff
    # Unknown filter values are ignored, not a 500.
    assert client.get(reverse("staff-filing:home"), {"sort": "x", "status": "nope"}).status_code == 200


def test_a_non_staff_user_cannot_open_the_staff_control_tower(verified_client, owner_a):
    assert verified_client(owner_a).get(reverse("staff-filing:home")).status_code == 403


@pytest.fixture
def refresh_queue(monkeypatch):
    """The integrations queue: what the fragment asks the worker to read (``run()`` does what the worker does)."""
    from apps.filing.tasks import refresh_period_financials

    class Queue(list):
        def run(self) -> None:
            while self:
                refresh_period_financials.apply(kwargs=self.pop(0))

    queue = Queue()
    monkeypatch.setattr(refresh_period_financials, "apply_async", lambda kwargs, **_: queue.append(kwargs))
    return queue


def test_financials_fragment_reads_hmrc_in_the_worker_with_the_persons_fraud_headers(
    owner_client, tenant_a, hmrc_a, sandbox_http, refresh_queue
):
    first = owner_client.get(url("financials", tenant_a, period_key="25A1"), **HTMX)
    assert first.status_code == 200 and "Asking HMRC" in first.content.decode()
    assert not [r for r in sandbox_http.requests if "/liabilities" in r.url], "no HMRC call on the request path"
    assert 'hx-trigger="load delay:2s"' in first.content.decode(), "the fragment polls while the worker reads"
    refresh_queue.run()
    page = owner_client.get(url("financials", tenant_a, period_key="25A1") + "?poll=1", **HTMX).content.decode()
    assert "Payments and liabilities" in page and "As of" in page and "hx-trigger" not in page
    sent = [r for r in sandbox_http.requests if "/liabilities" in r.url]
    assert sent and sent[0].headers["Gov-Client-Connection-Method"] == "WEB_APP_VIA_SERVER"


def test_financials_fragment_says_when_hmrc_is_down(owner_client, tenant_a, hmrc_a, sandbox_http, refresh_queue):
    from apps.sandbox.services.faults import clear_faults, set_fault

    set_fault("hmrc", outage=True)
    try:
        owner_client.get(url("financials", tenant_a, period_key="25A1"), **HTMX)
        refresh_queue.run()
        response = owner_client.get(url("financials", tenant_a, period_key="25A1"), **HTMX)
    finally:
        clear_faults()
    assert response.status_code == 200
    assert "HMRC is not responding" in response.content.decode()


def test_financials_fragment_stops_polling_and_says_hmrc_is_slow(
    owner_client, tenant_a, hmrc_a, refresh_queue, settings
):
    last = owner_client.get(
        url("financials", tenant_a, period_key="25A1") + f"?poll={settings.HMRC_LIVE_POLLS}", **HTMX
    )
    page = last.content.decode()
    assert "HMRC is slow to answer" in page and "hx-trigger" not in page
    assert owner_client.get(url("financials", tenant_a, period_key="25A1") + "?poll=x", **HTMX).status_code == 200


def test_four_eyes_through_the_pages(verified_client, tenant_a, owner_a, connected, django_capture_on_commit_callbacks):
    commit_data_keys(tenant_a, django_capture_on_commit_callbacks)  # sealed fraud context: key cached as on commit
    accountant = make_member(tenant_a, Role.ACCOUNTANT)
    with tenant_context(tenant_a):
        VatSettings.objects.update(four_eyes=True)
        sale(date(2025, 2, 1), "100.00", "20.00", actor=owner_a)
    owner = verified_client(owner_a)
    page = owner.get(url("period", tenant_a, period_key="25A1"))
    assert "Send for approval" in page.content.decode()
    fingerprint = page.context["prepare_form"].initial["fingerprint"]
    sent = owner.post(url("send-for-approval", tenant_a, period_key="25A1"), {"fingerprint": fingerprint})
    assert sent.status_code == 302
    again = owner.post(url("send-for-approval", tenant_a, period_key="25A1"), {"fingerprint": fingerprint})
    assert again.status_code == 409
    back = owner.post(url("return-to-draft", tenant_a, period_key="25A1"), {"reason": "one more invoice"})
    assert back.status_code == 302
    owner.post(url("send-for-approval", tenant_a, period_key="25A1"), {"fingerprint": fingerprint})
    by_preparer = owner.post(
        url("approve", tenant_a, period_key="25A1"), {"fingerprint": fingerprint, "declaration": "on", **FORM}
    )
    assert by_preparer.status_code == 409
    assert "someone other than the preparer" in by_preparer.content.decode()
    owner.logout()
    second = verified_client(accountant)
    with django_capture_on_commit_callbacks() as callbacks:
        approved = second.post(
            url("approve", tenant_a, period_key="25A1"), {"fingerprint": fingerprint, "declaration": "on", **FORM}
        )
    assert approved.status_code == 302
    assert len(callbacks) == 1
    retry = second.post(url("retry", tenant_a, period_key="25A1"))
    assert retry.status_code == 302


def test_bad_forms_on_the_period_actions_are_4xx(owner_client, tenant_a, connected):
    assert owner_client.post(url("send-for-approval", tenant_a, period_key="25A1"), {}).status_code == 302
    assert owner_client.post(url("return-to-draft", tenant_a, period_key="25A1"), {}).status_code == 404
    assert owner_client.post(url("retry", tenant_a, period_key="25A1")).status_code == 404
    assert owner_client.get(url("approve", tenant_a, period_key="25A1")).status_code == 405


def test_sync_says_when_hmrc_is_not_connected(owner_client, tenant_a, books_a):
    response = owner_client.post(url("sync", tenant_a), follow=True)
    assert response.status_code == 200
    assert "Could not read your VAT periods from HMRC" in response.content.decode()


def test_sync_reads_periods_from_the_sandbox(owner_client, tenant_a, hmrc_a, sandbox_http):
    response = owner_client.post(url("sync", tenant_a), FORM, follow=True)
    assert "VAT period(s) from HMRC" in response.content.decode()


def test_a_viewer_sees_settings_read_only(client, tenant_a, books_a):
    viewer = make_member(tenant_a, Role.VIEWER)
    client.force_login(viewer)
    page = client.get(url("settings", tenant_a))
    assert page.status_code == 200 and "Only an owner can change these" in page.content.decode()
    assert client.post(url("settings", tenant_a), {"scheme": "standard"}).status_code == 403
