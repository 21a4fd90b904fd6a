"""The policy's guarantees: no superuser shortcut, None answers no, per-request caching, one way to check."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from apps.core.errors import NotAllowed
from apps.filing.domain import ReturnStatus
from apps.filing.models import VatSettings
from apps.filing.services.returns import approve_return, retry_submission
from apps.integrations.hmrc.models import HmrcConnection
from apps.permissions import check, refusal, require
from apps.permissions.decorators import permission_for
from apps.permissions.models import AccessElevation, StaffRoleGrant
from apps.permissions.policy import PERMISSIONS, member_roles
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Membership, Role, Tenant
from apps.tenancy.services import change_role
from tests.conftest import make_member
from tests.factories import UserFactory
from tests.factories.filing import VatReturnFactory
from tests.filing.conftest import sale
from tests.filing.test_approval import current_fingerprint
from tests.fph import FORM
from tests.helpers import verified

pytestmark = pytest.mark.django_db


def test_every_permission_is_named_app_dot_action_and_explains_itself():
    for name, rule in PERMISSIONS.items():
        app, _, action = name.partition(".")
        assert app and action and rule.message


def test_a_superuser_outside_the_business_may_do_nothing_in_it(tenant_a):
    root = verified(UserFactory(is_staff=True, is_superuser=True))
    for perm in PERMISSIONS:
        assert check(root, perm, tenant_a) is False, perm
        assert root.has_perm(perm, tenant_a) is False, perm  # Django's own shortcut is not taken
    # The admin's model permissions keep Django's meaning.
    assert root.has_perm("accounts.change_user") is True


def test_a_superuser_member_gets_only_what_their_role_gives(tenant_a):
    viewer = verified(make_member(tenant_a, Role.VIEWER, is_superuser=True, is_staff=True))
    assert check(viewer, "tenancy.view_business", tenant_a)
    assert not check(viewer, "filing.approve_return", tenant_a)
    assert not viewer.has_perm("ledger.post_journal", tenant_a)


def test_none_user_or_object_is_a_no(tenant_a, owner_a):
    for perm in PERMISSIONS:
        assert check(None, perm, tenant_a) is False
        assert check(owner_a, perm, None) is False or PERMISSIONS[perm].staff_roles
    with pytest.raises(KeyError):
        check(owner_a, "filing.approve_everything", tenant_a)


def test_require_raises_not_allowed_with_the_reason(tenant_a):
    accountant = make_member(tenant_a, Role.ACCOUNTANT)
    with pytest.raises(NotAllowed, match="two-factor authentication before approving"):
        require(accountant, "filing.approve_return", tenant_a)
    require(verified(accountant), "filing.approve_return", tenant_a)
    viewer = make_member(tenant_a, Role.VIEWER)
    with pytest.raises(NotAllowed, match="Only the owner or the business's accountant"):
        require(verified(viewer), "filing.approve_return", tenant_a)


def test_a_suspended_business_refuses_every_change(tenant_a, owner_a):
    Tenant.objects.filter(pk=tenant_a.pk).update(status=Tenant.Status.SUSPENDED)
    tenant_a.refresh_from_db()
    assert refusal(verified(owner_a), "ledger.post_journal", tenant_a) == (
        "This business is suspended or closed: nothing can be changed in it."
    )


def test_four_eyes_is_an_attribute_of_the_return(tenant_a, owner_a):
    accountant = verified(make_member(tenant_a, Role.ACCOUNTANT))
    owner = verified(owner_a)
    with tenant_context(tenant_a):
        VatSettings.objects.create(tenant=tenant_a, first_period_start=date(2025, 1, 1), four_eyes=True)
        waiting = VatReturnFactory(tenant=tenant_a, status=ReturnStatus.AWAITING_APPROVAL, prepared_by=owner_a)
        assert not check(owner, "filing.approve_return", waiting)
        assert refusal(owner, "filing.approve_return", waiting).startswith("Four-eyes approval is on")
        assert check(accountant, "filing.approve_return", waiting)
        VatSettings.objects.update(four_eyes=False)
        assert check(owner, "filing.approve_return", waiting)


def test_staff_read_a_business_only_under_an_approved_elevation(tenant_a):
    support = UserFactory(is_staff=True)
    approver = UserFactory(is_staff=True)
    StaffRoleGrant.objects.create(user=support, role="support")
    StaffRoleGrant.objects.create(user=approver, role="security_officer")  # PostgreSQL's trigger requires it
    assert not check(verified(support), "tenancy.view_business", tenant_a)
    AccessElevation.objects.create(
        requester=support, tenant=tenant_a, reason="ticket 42", minutes=30, status="approved",
        approver=approver, decided_at=timezone.now(), expires_at=timezone.now() + timedelta(minutes=30),
    )  # fmt: skip
    fresh = UserFactory._meta.model.objects.get(pk=support.pk)
    assert not check(fresh, "tenancy.view_business", tenant_a)  # not 2FA-verified
    assert check(verified(fresh), "tenancy.view_business", tenant_a)
    assert not check(fresh, "ledger.post_journal", tenant_a)  # an elevation reads, never writes
    assert check(fresh, "staff.use_console")
    assert not check(fresh, "permissions.approve_elevation")


def test_lookups_are_cached_for_the_request_only(tenant_a, owner_a, verified_client, django_assert_num_queries):
    accountant = make_member(tenant_a, Role.ACCOUNTANT)
    assert check(accountant, "ledger.post_journal", tenant_a)
    with django_assert_num_queries(0):  # the same user object: the same request
        assert check(accountant, "ledger.reverse_entry", tenant_a)
    client = verified_client(accountant)
    page = reverse("ledger:manual-journals", kwargs={"tenant_slug": tenant_a.slug})
    assert client.post(page, {}).status_code == 400  # allowed: the empty form is refused, not the person
    membership = Membership.objects.get(user=accountant, tenant=tenant_a)
    with tenant_context(tenant_a):
        change_role(membership=membership, role=Role.VIEWER, actor=owner_a)
    refused = client.post(page, {})  # the very next request sees the new role
    assert refused.status_code == 403
    assert "Only an owner or the accountant can post journals." in refused.content.decode()


def test_the_decorator_records_what_each_method_needs():
    from apps.filing import views as filing_views
    from apps.ledger import manual_views

    assert permission_for(filing_views.approve, "POST") == "filing.approve_return"
    assert permission_for(manual_views.manual_journals, "GET") == "tenancy.view_business"
    assert permission_for(manual_views.manual_journals, "POST") == "ledger.post_journal"


def test_a_non_member_still_gets_404_and_a_member_refused_gets_403(tenant_a, bookkeeper_b, verified_client):
    viewer = make_member(tenant_a, Role.VIEWER)
    add = reverse("ledger:add-account", kwargs={"tenant_slug": tenant_a.slug})
    assert verified_client(bookkeeper_b).post(add, {}).status_code == 404
    refused = verified_client(viewer).post(add, {})
    assert refused.status_code == 403
    assert "Only an owner of this business can do that." in refused.content.decode()


def test_the_template_tag_asks_about_an_object_or_the_business(tenant_a):
    viewer = make_member(tenant_a, Role.VIEWER)
    request = RequestFactory().get("/")
    request.user, request.tenant = viewer, tenant_a
    template = Template(
        '{% load policy %}{% has_perm "tenancy.view_business" as can_read %}'
        '{% has_perm "ledger.post_journal" business as can_post %}{{ can_read }}/{{ can_post }}'
    )
    assert template.render(Context({"request": request, "business": tenant_a})) == "True/False"


def test_approvers_listed_are_the_policy_roles(tenant_a):
    from apps.filing.selectors import approvers

    make_member(tenant_a, Role.ACCOUNTANT)
    make_member(tenant_a, Role.BOOKKEEPER)
    assert {m.role for m in approvers(tenant_a)} == {Role.ACCOUNTANT} <= member_roles("filing.approve_return")


# --- the hole: approving and filing without a second factor ---------------------------------------------------


@pytest.fixture
def connected_books(tenant_a, owner_a, books_a):
    with tenant_context(tenant_a):
        HmrcConnection.objects.create(tenant=tenant_a, status="connected", connected_by=owner_a)
        sale(date(2025, 2, 1), "100.00", "20.00", actor=owner_a)
    return books_a


def test_an_accountant_without_2fa_cannot_approve_or_send_at_the_service(tenant_a, connected_books):
    q1 = connected_books[0]
    accountant = make_member(tenant_a, Role.ACCOUNTANT)
    with tenant_context(tenant_a):
        with pytest.raises(NotAllowed, match="two-factor"):
            approve_return(obligation=q1, actor=accountant, declaration=True,
                           expected_fingerprint=current_fingerprint(q1), fraud_context={})  # fmt: skip
        approved = VatReturnFactory(tenant=tenant_a, status=ReturnStatus.APPROVED)
        with pytest.raises(NotAllowed, match="two-factor"):
            retry_submission(vat_return=approved, actor=accountant)


def test_an_accountant_without_2fa_cannot_approve_or_send_at_the_view(client, tenant_a, connected_books):
    accountant = make_member(tenant_a, Role.ACCOUNTANT)
    client.force_login(accountant)  # signed in with a password only: accountants are not forced to enrol
    period = reverse("filing:period", kwargs={"tenant_slug": tenant_a.slug, "period_key": "25A1"})
    page = client.get(period)
    assert page.status_code == 200
    assert "Sign in with two-factor authentication before approving a VAT return." in page.content.decode()
    fingerprint = page.context["approve_form"].initial["fingerprint"]
    approve = client.post(f"{period}approve/", {"fingerprint": fingerprint, "declaration": "on", **FORM})
    assert approve.status_code == 403
    assert "two-factor authentication" in approve.content.decode()
    assert client.post(f"{period}retry/").status_code == 403
    with tenant_context(tenant_a):
        assert not q1_approved(tenant_a)


def q1_approved(tenant) -> bool:
    from apps.filing.models import VatReturn

    return VatReturn.objects.filter(status=ReturnStatus.APPROVED).exists()


def test_the_same_accountant_with_2fa_approves(verified_client, tenant_a, connected_books):
    accountant = make_member(tenant_a, Role.ACCOUNTANT)
    client = verified_client(accountant)
    period = reverse("filing:period", kwargs={"tenant_slug": tenant_a.slug, "period_key": "25A1"})
    fingerprint = client.get(period).context["approve_form"].initial["fingerprint"]
    approve = client.post(f"{period}approve/", {"fingerprint": fingerprint, "declaration": "on", **FORM})
    assert approve.status_code == 302


def test_a_method_the_view_declares_nothing_for_is_refused_not_let_through(rf, tenant_a, owner_a):
    from apps.permissions.decorators import permission_required_for

    @permission_required_for({"GET": "tenancy.view_business"})
    def view(request):
        from django.http import HttpResponse

        return HttpResponse("ran")

    for method, expected in (("get", 200), ("head", 200), ("post", 403), ("delete", 403)):
        request = getattr(rf, method)("/")
        request.user, request.tenant = owner_a, tenant_a
        request.membership = Membership.objects.get(user=owner_a, tenant=tenant_a)
        assert view(request).status_code == expected, method
