"""The permission matrix: the policy against a table written here by hand, then every business view over HTTP.

``EXPECTED`` is written independently of apps/permissions/policy.py: change
who may do something there and this table must be changed on purpose too.
A permission the table does not know, or a business view (under
``/t/<business>/`` or the API) that declares no permission, fails.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from itertools import product

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from apps.permissions import check
from apps.permissions.decorators import permission_for
from apps.permissions.models import AccessElevation, StaffRoleGrant
from apps.permissions.policy import PERMISSIONS
from apps.tenancy.context import tenant_context
from apps.tenancy.models import ApiToken, Membership
from tests.conftest import make_member
from tests.factories import BankTransactionFactory, DocumentFactory, InvitationFactory, UserFactory
from tests.filing.conftest import sale
from tests.helpers import verified

pytestmark = pytest.mark.django_db

OWN, ACC, BOOK, VIEW = "owner", "accountant", "bookkeeper", "viewer"
EVERYONE = {OWN, ACC, BOOK, VIEW}
NOBODY: set[str] = set()

# permission: (membership roles that may, needs a 2FA-verified session, elevated staff may, staff roles that may)
EXPECTED: dict[str, tuple[set[str], bool, bool, set[str]]] = {
    "tenancy.view_business": (EVERYONE, False, True, NOBODY),
    "tenancy.manage_own_api_tokens": (EVERYONE, False, False, NOBODY),
    "tenancy.change_settings": ({OWN}, False, False, NOBODY),
    "tenancy.manage_team": ({OWN}, False, False, NOBODY),
    "tenancy.read_audit_log": ({OWN, ACC}, False, False, NOBODY),
    "onboarding.run_wizard": ({OWN}, False, False, NOBODY),
    "documents.upload": ({OWN, ACC, BOOK}, False, False, NOBODY),
    "documents.review": ({OWN, ACC, BOOK}, False, False, NOBODY),
    "ledger.manage_accounts": ({OWN}, False, False, NOBODY),
    "ledger.reverse_entry": ({OWN, ACC}, False, False, NOBODY),
    "ledger.post_journal": ({OWN, ACC}, False, False, NOBODY),
    "ledger.handle_bank_lines": ({OWN, ACC, BOOK}, False, False, NOBODY),
    "filing.prepare_return": ({OWN, ACC, BOOK}, False, False, NOBODY),
    "filing.approve_return": ({OWN, ACC}, True, False, NOBODY),
    "filing.submit_return": ({OWN, ACC}, True, False, NOBODY),
    "filing.change_settings": ({OWN}, False, False, NOBODY),
    "integrations.connect_hmrc": ({OWN, ACC}, True, False, NOBODY),
    "staff.use_console": (NOBODY, True, False, {"support", "sre", "security_officer", "platform_admin"}),
    "permissions.approve_elevation": (NOBODY, True, False, {"security_officer", "platform_admin"}),
    # Backups (issue #16): the business's data-and-backups page; the staff console's "Run drill now".
    "backups.view_data_and_backups": ({OWN, ACC}, False, False, NOBODY),
    "staff.run_restore_drill": (NOBODY, True, False, {"platform_admin", "security_officer"}),
    # H4 (chaos)
    "staff.view_chaos_runs": (NOBODY, True, False, {"sre", "platform_admin"}),
    # Security center (issue #15): the business's security page; the staff console's /staff/security/.
    "security.view_business_center": ({OWN}, False, False, NOBODY),
    "staff.view_security_center": (NOBODY, True, False, {"security_officer", "platform_admin"}),
    # Privacy (issue #15): own export for every member; business export/erasure for the owner; staff handling.
    "privacy.use_privacy_page": (EVERYONE, False, False, NOBODY),
    "privacy.manage_business_data": ({OWN}, True, False, NOBODY),
    "staff.handle_privacy_requests": (NOBODY, True, False, {"security_officer", "platform_admin"}),
}
PRINCIPALS = [OWN, ACC, BOOK, VIEW, "staff", "staff_elevated"]


def test_the_table_names_every_permission_of_the_policy():
    assert set(EXPECTED) == set(PERMISSIONS)


def _expected(perm: str, principal: str, is_verified: bool) -> bool:
    roles, mfa, elevated_reads, staff_roles = EXPECTED[perm]
    if mfa and not is_verified:
        return False
    if principal in EVERYONE:
        return principal in roles
    if staff_roles:
        return "support" in staff_roles  # both staff principals hold the support role
    return principal == "staff_elevated" and elevated_reads and is_verified


@pytest.fixture
def principals(tenant_a):
    """Fresh user objects (as each request loads them): members by role, and support staff with and without access."""
    people = {role: make_member(tenant_a, role) for role in (OWN, ACC, BOOK, VIEW)}
    approver = UserFactory(is_staff=True)
    StaffRoleGrant.objects.create(user=approver, role="security_officer")  # PostgreSQL's trigger requires it
    for name in ("staff", "staff_elevated"):
        people[name] = UserFactory(is_staff=True)
        StaffRoleGrant.objects.create(user=people[name], role="support")
    now = timezone.now()
    AccessElevation.objects.create(
        requester=people["staff_elevated"], tenant=tenant_a, reason="ticket 7", minutes=30, status="approved",
        approver=approver, decided_at=now, expires_at=now + timedelta(minutes=30),
    )  # fmt: skip
    return people


def test_the_policy_decides_as_the_table_says(tenant_a, principals):
    User = UserFactory._meta.model
    wrong = []
    for perm, principal, is_verified in product(EXPECTED, PRINCIPALS, (True, False)):
        user = User.objects.get(pk=principals[principal].pk)  # a new object: nothing cached from another case
        if is_verified:
            verified(user)
        target = None if EXPECTED[perm][3] else tenant_a
        if check(user, perm, target) != _expected(perm, principal, is_verified):
            wrong.append(
                f"{perm} {principal} verified={is_verified}: policy says {not _expected(perm, principal, is_verified)}"
            )
    assert wrong == [], "\n".join(wrong)


# --- every business view over HTTP ---------------------------------------------------------------------------

CONVERTER = re.compile(r"<(?:(?P<kind>[a-z]+):)?(?P<name>\w+)>")
BUSINESS_PREFIXES = ("t/<slug:tenant_slug>/", "api/v1/")


def _business_routes(patterns=None, prefix: str = "") -> list[tuple[str, object]]:
    found = []
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found.extend(_business_routes(entry.url_patterns, route))
        elif isinstance(entry, URLPattern) and route.startswith(BUSINESS_PREFIXES):
            found.append((route, entry.callback))
    return found


def _declared(view, method: str) -> str | None:
    view_class = getattr(view, "view_class", None)
    if view_class is not None:  # the API's class-based views
        return getattr(view_class, "required_permissions", {}).get(method)
    return permission_for(view, method)


def test_every_business_view_declares_a_permission():
    missing = []
    for route, view in _business_routes():
        if not (_declared(view, "GET") or _declared(view, "POST")):
            missing.append(route)
    assert missing == [], "views with no declared permission:\n" + "\n".join(missing)


@pytest.fixture
def business(tenant_a, principals, books_a):
    """One of everything a business page can name, so the pages render (not 404) for those allowed."""
    owner = principals[OWN]
    spare = make_member(tenant_a, VIEW)
    with tenant_context(tenant_a):
        entry = sale(date(2025, 2, 1), "100.00", "20.00", actor=owner)
        document = DocumentFactory(tenant=tenant_a)
        line = BankTransactionFactory(tenant=tenant_a)
        invitation = InvitationFactory(tenant=tenant_a, invited_by=owner)
    token = ApiToken.objects.create(
        membership=Membership.objects.get(user=spare), name="spare", prefix="sr_x", key_hash=uuid.uuid4().hex
    )
    return {
        "tenant_slug": tenant_a.slug,
        "period_key": books_a[0].period_key,
        "box": "1",
        "kind": "receivables",  # reports: aged receivables
        "code": "200",
        "entry_id": str(entry.pk),
        "document_id": str(document.pk),
        "page": "1",
        "line_id": str(line.pk),
        "membership_id": str(Membership.objects.get(user=spare).pk),
        "invitation_id": str(invitation.pk),
        "token_id": str(token.pk),
        "check_id": "access.two_factor",
    }


def _url(route: str, values: dict) -> str:
    return "/" + CONVERTER.sub(lambda m: values[m["name"]], route)


def _client(user, *, is_verified: bool) -> Client:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client(raise_request_exception=False)
    client.force_login(user)
    if is_verified:
        device = TOTPDevice.objects.filter(user=user).first() or TOTPDevice.objects.create(
            user=user, name="matrix", confirmed=True
        )
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
    return client


# Who asks, in an order that leaves the owner's (state-changing) requests last.
HTTP_PRINCIPALS = [(VIEW, True), (BOOK, False), (ACC, False), (ACC, True), (OWN, True)]


def test_each_role_gets_what_the_policy_implies_on_every_business_view(
    tenant_a, principals, business, sandbox_http, caplog
):
    caplog.set_level("ERROR", logger="django.request")
    clients = {(p, v): _client(principals[p], is_verified=v) for p, v in HTTP_PRINCIPALS}
    wrong, served = [], 0
    for route, view in _business_routes():
        url = _url(route, business)
        api = route.startswith("api/")
        for method in ("GET", "POST"):
            answers = {}
            for key in HTTP_PRINCIPALS:
                send = clients[key].get if method == "GET" else clients[key].post
                extra = {"HTTP_X_STRONGROOM_TENANT": tenant_a.slug} if api else {}
                answers[key] = send(url, **extra).status_code
            if all(status == 405 for status in answers.values()):
                continue  # the view does not answer this method
            served += 1
            perm = _declared(view, method)
            if perm is None:
                wrong.append(f"{method} {route}: no declared permission")
                continue
            for (principal, is_verified), status in answers.items():
                allowed = _expected(perm, principal, is_verified)
                if status >= 500 or (status == 403) == allowed:
                    want = "not 403" if allowed else "403"
                    wrong.append(f"{method} {route} as {principal} (2FA={is_verified}): {status}, want {want} ({perm})")
    assert served > 60
    assert wrong == [], "\n".join(wrong)
