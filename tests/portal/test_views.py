"""Portal pages: membership decides what a URL shows; bad input is a 4xx with nothing written."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from apps.tenancy.models import Invitation, Membership, Role, Tenant
from tests.conftest import make_member
from tests.factories import InvitationFactory
from tests.helpers import audit_actions

pytestmark = pytest.mark.django_db


def url(name, tenant, **kwargs):
    return reverse(f"tenancy:{name}", kwargs={"tenant_slug": tenant.slug, **kwargs})


class TestMembershipGate:
    def test_anonymous_is_sent_to_login(self, client, tenant_a):
        response = client.get(url("home", tenant_a))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))

    def test_member_sees_their_business(self, client, bookkeeper_a, tenant_a):
        client.force_login(bookkeeper_a)
        response = client.get(url("home", tenant_a))
        assert response.status_code == 200
        assert tenant_a.name in response.content.decode()

    @pytest.mark.parametrize("page", ["home", "settings", "team"])
    def test_another_tenants_slug_is_404(self, client, bookkeeper_b, tenant_a, page):
        client.force_login(bookkeeper_b)
        response = client.get(url(page, tenant_a))
        assert response.status_code == 404
        assert tenant_a.name not in response.content.decode()

    def test_unknown_slug_is_the_same_404(self, client, bookkeeper_a):
        client.force_login(bookkeeper_a)
        response = client.get("/t/no-such-business/")
        assert response.status_code == 404

    def test_staff_are_not_members_by_default(self, verified_client, staff_user, tenant_a):
        response = verified_client(staff_user).get(url("home", tenant_a))
        assert response.status_code == 404

    def test_closed_business_is_404_even_for_members(self, client, bookkeeper_a, tenant_a):
        Tenant.objects.filter(pk=tenant_a.pk).update(status=Tenant.Status.CLOSED)
        client.force_login(bookkeeper_a)
        assert client.get(url("home", tenant_a)).status_code == 404


class TestPortalHome:
    def test_one_membership_redirects_to_it(self, client, bookkeeper_a, tenant_a):
        client.force_login(bookkeeper_a)
        response = client.get("/")
        assert response.status_code == 302 and response["Location"] == url("home", tenant_a)

    def test_several_memberships_show_a_chooser(self, client, bookkeeper_a, tenant_a, tenant_b):
        Membership.objects.create(user=bookkeeper_a, tenant=tenant_b, role=Role.VIEWER)
        client.force_login(bookkeeper_a)
        body = client.get("/").content.decode()
        assert tenant_a.name in body and tenant_b.name in body

    def test_no_membership_explains_what_to_do(self, client, user):
        client.force_login(user)
        assert "not part of any business yet" in client.get("/").content.decode()


class TestSettings:
    def test_owner_changes_settings_and_it_is_audited(self, verified_client, owner_a, tenant_a):
        response = verified_client(owner_a).post(
            url("settings", tenant_a),
            {
                "name": "Aldgate Joinery & Sons Ltd",
                "vat_number": tenant_a.vat_number,
                "company_number": tenant_a.company_number,
            },
        )
        assert response.status_code == 302
        tenant_a.refresh_from_db()
        assert tenant_a.name == "Aldgate Joinery & Sons Ltd"
        assert audit_actions(tenant_a.pk)[-1] == "tenancy.tenant.updated"

    def test_invalid_vat_number_is_400_and_nothing_changes(self, verified_client, owner_a, tenant_a):
        before = audit_actions(tenant_a.pk)
        response = verified_client(owner_a).post(
            url("settings", tenant_a),
            {"name": "Renamed", "vat_number": "GB123456789", "company_number": ""},
        )
        assert response.status_code == 400
        assert "not a valid UK VAT registration number" in response.content.decode()
        tenant_a.refresh_from_db()
        assert tenant_a.name == "Aldgate Joinery Ltd"
        assert audit_actions(tenant_a.pk) == before

    def test_malformed_company_number_is_400(self, verified_client, owner_a, tenant_a):
        response = verified_client(owner_a).post(
            url("settings", tenant_a), {"name": "X Ltd", "vat_number": "", "company_number": "12-34!"}
        )
        assert response.status_code == 400
        tenant_a.refresh_from_db()
        assert tenant_a.name != "X Ltd"

    def test_bookkeeper_cannot_change_settings(self, client, bookkeeper_a, tenant_a):
        client.force_login(bookkeeper_a)
        assert client.get(url("settings", tenant_a)).status_code == 200
        response = client.post(url("settings", tenant_a), {"name": "Hijacked"})
        assert response.status_code == 403
        tenant_a.refresh_from_db()
        assert tenant_a.name != "Hijacked"


class TestTeam:
    def test_owner_changes_a_role(self, verified_client, owner_a, bookkeeper_a, tenant_a):
        membership = Membership.objects.get(user=bookkeeper_a, tenant=tenant_a)
        response = verified_client(owner_a).post(
            url("change-role", tenant_a, membership_id=membership.pk), {"role": Role.ACCOUNTANT}
        )
        assert response.status_code == 302
        membership.refresh_from_db()
        assert membership.role == Role.ACCOUNTANT
        assert audit_actions(tenant_a.pk)[-1] == "tenancy.membership.role_changed"

    def test_unknown_role_is_400(self, verified_client, owner_a, bookkeeper_a, tenant_a):
        membership = Membership.objects.get(user=bookkeeper_a, tenant=tenant_a)
        response = verified_client(owner_a).post(
            url("change-role", tenant_a, membership_id=membership.pk), {"role": "superadmin"}
        )
        assert response.status_code == 400
        membership.refresh_from_db()
        assert membership.role == Role.BOOKKEEPER

    def test_last_owner_cannot_be_demoted_or_removed(self, verified_client, owner_a, tenant_a):
        membership = Membership.objects.get(user=owner_a, tenant=tenant_a)
        c = verified_client(owner_a)
        response = c.post(url("change-role", tenant_a, membership_id=membership.pk), {"role": Role.VIEWER})
        assert response.status_code == 400
        assert "at least one owner" in response.content.decode()
        response = c.post(url("remove-member", tenant_a, membership_id=membership.pk))
        assert response.status_code == 400
        assert Membership.objects.filter(pk=membership.pk, role=Role.OWNER).exists()

    def test_another_tenants_membership_id_is_404(self, verified_client, owner_a, bookkeeper_b, tenant_a, tenant_b):
        foreign = Membership.objects.get(user=bookkeeper_b, tenant=tenant_b)
        c = verified_client(owner_a)
        assert c.post(url("change-role", tenant_a, membership_id=foreign.pk), {"role": Role.VIEWER}).status_code == 404
        assert c.post(url("remove-member", tenant_a, membership_id=foreign.pk)).status_code == 404
        assert Membership.objects.filter(pk=foreign.pk, role=Role.BOOKKEEPER).exists()

    def test_owner_removes_a_member(self, verified_client, owner_a, bookkeeper_a, tenant_a):
        membership = Membership.objects.get(user=bookkeeper_a, tenant=tenant_a)
        response = verified_client(owner_a).post(url("remove-member", tenant_a, membership_id=membership.pk))
        assert response.status_code == 302
        assert not Membership.objects.filter(pk=membership.pk).exists()
        assert audit_actions(tenant_a.pk)[-1] == "tenancy.membership.removed"

    def test_bookkeeper_cannot_manage_the_team(self, client, bookkeeper_a, owner_a, tenant_a):
        owner_membership = Membership.objects.get(user=owner_a, tenant=tenant_a)
        client.force_login(bookkeeper_a)
        body = client.get(url("team", tenant_a)).content.decode()
        assert "Invite someone" not in body
        assert client.post(url("remove-member", tenant_a, membership_id=owner_membership.pk)).status_code == 403
        assert client.post(url("invite", tenant_a), {"email": "x@example.test", "role": "owner"}).status_code == 403


class TestInvitations:
    def test_invite_accept_flow(
        self,
        verified_client,
        client,
        owner_a,
        tenant_a,
        mailoutbox,
        django_user_model,
        django_capture_on_commit_callbacks,
    ):
        c = verified_client(owner_a)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = c.post(url("invite", tenant_a), {"email": "New.Person@Example.test", "role": Role.VIEWER})
        assert len(callbacks) == 1
        assert response.status_code == 302
        (mail,) = mailoutbox
        link = next(line for line in mail.body.splitlines() if "/invitations/" in line).split("Accept: ")[1]
        path = link.split("testserver")[1]

        invitee = django_user_model.objects.create_user("new.person@example.test", "x" * 16)
        c.logout()
        client.force_login(invitee)
        assert client.get(path).status_code == 200
        response = client.post(path)
        assert response.status_code == 302 and response["Location"] == url("home", tenant_a)
        assert Membership.objects.get(user=invitee, tenant=tenant_a).role == Role.VIEWER
        assert client.post(path).status_code == 400  # single use
        assert audit_actions(tenant_a.pk)[-2:] == ["tenancy.invitation.created", "tenancy.membership.created"]

    def test_invitation_for_someone_else_is_refused(self, client, tenant_a, owner_a, user, in_tenant):
        from apps.tenancy.services import invite_member

        with in_tenant(tenant_a):
            _, token = invite_member(
                tenant=tenant_a, email="someone.else@example.test", role=Role.VIEWER, actor=owner_a
            )
        client.force_login(user)
        response = client.post(f"/invitations/{tenant_a.pk}/{token}/")
        assert response.status_code == 400
        assert "different email address" in response.content.decode()
        assert not Membership.objects.filter(user=user).exists()

    def test_token_does_not_work_under_another_tenant(self, client, tenant_a, tenant_b, owner_a, in_tenant):
        from apps.tenancy.services import invite_member

        with in_tenant(tenant_a):
            _, token = invite_member(tenant=tenant_a, email="ivy@example.test", role=Role.VIEWER, actor=owner_a)
        invitee = make_member(tenant_b, email="ivy@example.test")
        client.force_login(invitee)
        assert client.post(f"/invitations/{tenant_b.pk}/{token}/").status_code == 400
        assert client.post(f"/invitations/{uuid.uuid4()}/{token}/").status_code == 404
        assert not Membership.objects.filter(user=invitee, tenant=tenant_a).exists()

    def test_inviting_an_existing_member_is_400(self, verified_client, owner_a, bookkeeper_a, tenant_a):
        response = verified_client(owner_a).post(
            url("invite", tenant_a), {"email": bookkeeper_a.email, "role": Role.VIEWER}
        )
        assert response.status_code == 400
        assert "already a member" in response.content.decode()

    def test_bad_email_is_400_and_nothing_is_written(self, verified_client, owner_a, tenant_a, in_tenant):
        response = verified_client(owner_a).post(url("invite", tenant_a), {"email": "not-an-email", "role": "viewer"})
        assert response.status_code == 400
        with in_tenant(tenant_a):
            assert Invitation.objects.count() == 0

    def test_revoke_and_another_tenants_invitation_id(self, verified_client, owner_a, tenant_a, tenant_b):
        mine = InvitationFactory(tenant=tenant_a)
        theirs = InvitationFactory(tenant=tenant_b)
        c = verified_client(owner_a)
        assert c.post(url("revoke-invitation", tenant_a, invitation_id=theirs.pk)).status_code == 404
        assert c.post(url("revoke-invitation", tenant_a, invitation_id=mine.pk)).status_code == 302
        assert c.post(url("revoke-invitation", tenant_a, invitation_id=mine.pk)).status_code == 400

    def test_expired_invitation_is_refused(self, client, tenant_a, owner_a, in_tenant):
        from datetime import timedelta

        from django.utils import timezone

        from apps.tenancy.services import invite_member

        with in_tenant(tenant_a):
            invitation, token = invite_member(
                tenant=tenant_a, email="late@example.test", role=Role.VIEWER, actor=owner_a
            )
            Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(days=1))
        late = make_member(tenant_a.__class__.objects.create(name="Other", slug="other-co"), email="late@example.test")
        client.force_login(late)
        response = client.post(f"/invitations/{tenant_a.pk}/{token}/")
        assert response.status_code == 400 and "expired" in response.content.decode()


def test_get_only_pages_refuse_other_methods(client, bookkeeper_a, tenant_a):
    client.force_login(bookkeeper_a)
    assert client.post(url("home", tenant_a)).status_code == 405
    assert client.get(url("invite", tenant_a)).status_code == 405
