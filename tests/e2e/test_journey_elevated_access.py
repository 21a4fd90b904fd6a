"""Journey: elevated access is asked for, approved by another staff member, used, and lets go by itself.

A support engineer cannot see a business (404) until a security officer in
another browser approves their request; then the business's page opens and
each use is recorded in the business's own audit log; when the time is up the
page is a 404 again, and at the database the application role sees none of
the business's rows without a tenant set (row-level security).
"""

from __future__ import annotations

import time

from django.db import connection
from playwright.sync_api import Page, expect

from apps.audit.models import AuditEvent
from apps.permissions.models import AccessElevation, StaffRoleGrant
from apps.permissions.services.elevation import expire_elevations
from apps.tenancy.context import db_tenant
from tests.e2e.pages import sign_in

REASON = "Ticket SR-3107: the owner cannot find last quarter's receipts"


def _staff(seeded, name: str, role: str):
    someone = seeded.person(name, staff=True)  # with the support role
    if role != "support":
        StaffRoleGrant.objects.create(user=someone.user, role=role, reason="e2e")
    return someone


def _rows_visible_without_a_tenant(table: str, tenant_id) -> int:
    """Autocommit, no app.tenant_id: what any query outside tenant_context sees."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table} WHERE tenant_id = %s", [str(tenant_id)])
        return cursor.fetchone()[0]


def test_elevation_requested_approved_used_and_expired(page: Page, browser, browser_context_args, base_url, seeded):
    tenant, _owner = seeded.business("Cheapside Couriers Ltd")
    support = _staff(seeded, "Sam Support", "support")
    officer = _staff(seeded, "Olu Officer", "security_officer")
    business_page = f"/staff/tenants/{tenant.pk}/"

    # Without an elevation the business does not exist for this staff member.
    sign_in(page, support, next_path="/staff/")
    assert page.goto(business_page).status == 404

    # Ask, for one minute (the shortest), with a reason.
    page.goto(f"/staff/access/tenants/{tenant.pk}/request/")
    page.get_by_label("Reason").fill(REASON)
    page.get_by_label("Minutes").fill("1")
    page.get_by_role("button", name="Ask for access").click()
    expect(page.get_by_text("A security officer must approve it.")).to_be_visible()
    assert page.goto(business_page).status == 404  # asked is not approved

    # Another staff member, in another browser, approves it.
    context = browser.new_context(**{**browser_context_args, "base_url": base_url})
    officer_page = context.new_page()
    sign_in(officer_page, officer, next_path="/staff/access/")
    officer_page.goto("/staff/access/")
    row = officer_page.get_by_role("row").filter(has_text="SR-3107")
    row.get_by_role("button", name="Approve").click()
    expect(officer_page.get_by_text("Access approved.")).to_be_visible()
    context.close()

    # Now the page opens, and the use is in the business's own audit log.
    answer = page.goto(business_page)
    assert answer.status == 200
    expect(page.get_by_role("heading", name="Cheapside Couriers Ltd", level=1)).to_be_visible()
    elevation = AccessElevation.objects.get(requester=support.user, tenant=tenant)
    assert elevation.approver == officer.user and elevation.status == "approved"

    # It ends by itself: no one revokes it, the clock does.
    deadline = time.monotonic() + 120
    status = 200
    while time.monotonic() < deadline:
        status = page.goto(business_page).status
        if status == 404:
            break
        page.wait_for_timeout(5_000)
    assert status == 404, "the elevation did not end by itself within two minutes of a one-minute grant"
    assert expire_elevations() == 1  # the beat sweep makes the end visible and audited

    with db_tenant(tenant.pk):
        actions = set(AuditEvent.objects.filter(chain=tenant.pk).values_list("action", flat=True))
    assert {
        "permissions.elevation.requested",
        "permissions.elevation.approved",
        "permissions.elevation.used",
        "permissions.elevation.expired",
    } <= actions

    # And at the database: the application role sees nothing of the business without a tenant set.
    with db_tenant(tenant.pk):
        assert _tenant_rows("ledger_account", tenant.pk) > 0
    assert _rows_visible_without_a_tenant("ledger_account", tenant.pk) == 0


def _tenant_rows(table: str, tenant_id) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table} WHERE tenant_id = %s", [str(tenant_id)])
        return cursor.fetchone()[0]
