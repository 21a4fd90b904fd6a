"""Journey 4: the VAT return for the period shows the expected boxes; approve with the declaration; the receipt;
a second submit is impossible.

The business is connected to HMRC's sandbox through the real OAuth flow (the
token exchange is an HTTP call to the server under test); the submission is
sent by the real worker to the sandbox served by the same gunicorn.
"""

from __future__ import annotations

import json
from datetime import date
from urllib.parse import unquote

from django.test import override_settings
from playwright.sync_api import Page, expect

from apps.tenancy.context import tenant_context
from tests.e2e.pages import sign_in


def seed_filing_business(seeded, url: str):
    """A business with its chart, VAT settings (no four-eyes), Q1 2025 open at HMRC, one sale posted in it."""
    from apps.ledger.services import seed_chart_of_accounts
    from tests.factories.filing import VatSettingsFactory, quarter
    from tests.filing.conftest import connect_hmrc, sale

    tenant, owner = seeded.business("Kestrel Joinery Ltd")
    with tenant_context(tenant):
        seed_chart_of_accounts(tenant)  # idempotent: create_tenant seeded it already
        VatSettingsFactory(tenant=tenant, four_eyes=False)
        q1 = quarter(tenant, date(2025, 1, 1))
        sale(date(2025, 2, 1), "1000.00", "200.00", actor=owner.user)
    hmrc = {"SITE_URL": url, "HMRC_API_BASE_URL": f"{url}/sandbox/hmrc",
            "HMRC_AUTHORIZE_URL": f"{url}/sandbox/hmrc/oauth/authorize"}  # fmt: skip
    with override_settings(**hmrc):
        connect_hmrc(tenant, owner.user, site_url=url)
    return tenant, owner, q1


def test_boxes_approve_with_declaration_receipt_and_no_second_submit(page: Page, seeded, e2e_worker):
    tenant, owner, q1 = seed_filing_business(seeded, e2e_worker.url)
    sign_in(page, owner)

    page.goto(f"/t/{tenant.slug}/filing/")
    expect(page.get_by_role("heading", name="VAT returns", level=1)).to_be_visible()
    # The live fragment (payments and liabilities) is an htmx request: it must carry the browser's facts.
    with page.expect_request(lambda r: "/financials/" in r.url) as fragment:
        page.get_by_role("link", name=q1.period_key).click()
    facts = json.loads(unquote(fragment.value.headers["x-strongroom-fph"]))
    assert facts["screens"][0]["width"] > 0 and facts["windowSize"]["height"] > 0, facts
    assert facts["timezone"].startswith("UTC") and facts["userAgent"], facts

    expect(page.get_by_role("heading", name=f"VAT return {q1.period_key}", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Payments and liabilities")).to_be_visible()
    expect(page.get_by_text("did not send the device details")).to_have_count(0)
    expect(page.get_by_test_id("box-1")).to_have_text("£200.00")  # VAT due on sales
    expect(page.get_by_test_id("box-3")).to_have_text("£200.00")
    expect(page.get_by_test_id("box-4")).to_have_text("£0.00")
    expect(page.get_by_test_id("box-5")).to_have_text("£200.00")  # net VAT to pay
    expect(page.get_by_test_id("box-6")).to_have_text("£1,000")  # whole pounds
    expect(page.get_by_test_id("box-7")).to_have_text("£0")

    # Without the declaration: refused, with the reason.
    page.get_by_test_id("approve-submit").click()
    expect(page.locator("#id_declaration_error")).to_contain_text(
        "Tick the declaration to approve and submit the return."
    )
    page.get_by_role("checkbox").check()
    page.get_by_test_id("approve-submit").click()
    expect(page.get_by_text("Approved. The return is being sent to HMRC")).to_be_visible()

    # The worker sends it; the page follows until the receipt is there.
    receipt = page.get_by_test_id("form-bundle-number")
    for _ in range(30):
        if receipt.count():
            break
        page.wait_for_timeout(2_000)
        page.reload()
    expect(receipt).to_be_visible()
    assert receipt.inner_text().strip().isdigit()
    expect(page.get_by_test_id("receipt")).to_contain_text(owner.email)

    # A second submit is impossible: no approval form, and a replayed approval is refused without a new filing.
    expect(page.get_by_test_id("approval")).to_have_count(0)
    csrf = next(c["value"] for c in page.context.cookies() if c["name"].endswith("csrftoken"))
    replay = page.request.post(
        f"/t/{tenant.slug}/filing/{q1.period_key}/approve/",
        form={"declaration": "on", "fingerprint": "x", "csrfmiddlewaretoken": csrf},
        headers={"Referer": page.url, "X-CSRFToken": csrf},
    )
    assert replay.status in (400, 409), replay.status
    page.reload()
    expect(page.get_by_test_id("form-bundle-number")).to_have_text(receipt.inner_text())
    from apps.filing.models import VatReturn

    with tenant_context(tenant):
        assert VatReturn.objects.filter(obligation=q1).count() == 1
        assert VatReturn.objects.get(obligation=q1).status == "submitted"
