"""The invitation link: a new person creates their account from it; a bad link names no business."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from apps.tenancy.models import Invitation, Membership, Role
from apps.tenancy.services import invite_member, revoke_invitation
from tests.conftest import make_member
from tests.factories import DEFAULT_PASSWORD
from tests.helpers import audit_actions

pytestmark = pytest.mark.django_db

PASSWORD = "walnut-ledger-harbour-42"
NEW_EMAIL = "nadia.okafor@example.test"


@pytest.fixture
def invited(tenant_a, owner_a, in_tenant):
    """Invite NEW_EMAIL with a role; returns (invitation, link path)."""

    def make(role: str = Role.BOOKKEEPER, email: str = NEW_EMAIL):
        with in_tenant(tenant_a):
            invitation, token = invite_member(tenant=tenant_a, email=email, role=role, actor=owner_a)
        return invitation, reverse("invitations:accept", kwargs={"tenant_id": tenant_a.pk, "token": token})

    return make


def _pending(invitation: Invitation, in_tenant) -> bool:
    with in_tenant(invitation.tenant):
        return Invitation.objects.get(pk=invitation.pk).is_pending


class TestNewPerson:
    def test_opens_the_link_registers_and_lands_in_the_business(self, client, tenant_a, invited, in_tenant):
        invitation, path = invited(Role.BOOKKEEPER)
        page = client.get(path)
        assert page.status_code == 200
        body = page.content.decode()
        assert tenant_a.name in body and NEW_EMAIL in body and 'name="password"' in body
        assert 'name="email"' not in body  # the address is the invitation's, not typed

        response = client.post(path, {"full_name": "Nadia Okafor", "password": PASSWORD, "email": "x@evil.test"})
        assert response.status_code == 302
        home = reverse("tenancy:home", kwargs={"tenant_slug": tenant_a.slug})
        assert response["Location"] == home
        user = get_user_model().objects.get(email=NEW_EMAIL)
        assert user.full_name == "Nadia Okafor" and user.check_password(PASSWORD)
        assert not get_user_model().objects.filter(email="x@evil.test").exists()
        assert Membership.objects.get(user=user, tenant=tenant_a).role == Role.BOOKKEEPER
        assert not _pending(invitation, in_tenant)
        assert audit_actions(tenant_a.pk)[-2:] == ["accounts.user.registered", "tenancy.membership.created"]
        assert client.get(home).status_code == 200  # signed in, in the business

    def test_an_invited_owner_sets_up_two_factor_before_the_business(self, client, tenant_a, invited):
        _, path = invited(Role.OWNER)
        response = client.post(path, {"full_name": "Nadia Okafor", "password": PASSWORD})
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:2fa-setup"))
        home = reverse("tenancy:home", kwargs={"tenant_slug": tenant_a.slug})
        assert client.get(home)["Location"].startswith(reverse("accounts:2fa-setup"))

    def test_a_weak_password_is_400_and_nothing_is_written(self, client, tenant_a, invited, in_tenant):
        invitation, path = invited()
        response = client.post(path, {"full_name": "Nadia Okafor", "password": "short"})
        assert response.status_code == 400
        assert "field-error" in response.content.decode()
        assert not get_user_model().objects.filter(email=NEW_EMAIL).exists()
        assert _pending(invitation, in_tenant)
        assert "accounts.user.registered" not in audit_actions(tenant_a.pk)

    def test_the_link_works_once(self, client, invited):
        _, path = invited()
        assert client.post(path, {"full_name": "Nadia Okafor", "password": PASSWORD}).status_code == 302
        client.logout()
        again = client.post(path, {"full_name": "Someone Else", "password": PASSWORD})
        assert again.status_code == 400
        assert get_user_model().objects.filter(email=NEW_EMAIL).count() == 1


class TestSomeoneAlreadyRegistered:
    def test_is_asked_to_sign_in_and_no_account_is_created(self, client, tenant_b, invited):
        make_member(tenant_b, email=NEW_EMAIL)
        _, path = invited()
        page = client.get(path)
        assert page.status_code == 200 and "Sign in to accept" in page.content.decode()
        response = client.post(path, {"full_name": "Impostor", "password": PASSWORD})
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
        assert get_user_model().objects.filter(email=NEW_EMAIL).count() == 1

    def test_signs_in_and_comes_back_to_accept(self, client, tenant_a, tenant_b, invited):
        existing = make_member(tenant_b, email=NEW_EMAIL)
        _, path = invited()
        login_url = client.post(path)["Location"]
        signed_in = client.post(login_url, {"email": NEW_EMAIL, "password": DEFAULT_PASSWORD})
        assert signed_in.status_code == 302 and signed_in["Location"] == path
        assert "Accept the invitation" in client.get(path).content.decode()
        assert client.post(path).status_code == 302
        assert Membership.objects.get(user=existing, tenant=tenant_a).role == Role.BOOKKEEPER

    def test_signed_in_with_another_address_is_explained(self, client, user, tenant_a, invited, in_tenant):
        invitation, path = invited()
        client.force_login(user)
        page = client.get(path)
        assert page.status_code == 403
        assert "different email address" in page.content.decode()
        assert tenant_a.name not in page.content.decode()
        assert client.post(path).status_code == 400
        assert _pending(invitation, in_tenant)


class TestLinksThatDoNotWork:
    """Nothing about the business is shown unless the token opens a pending invitation to it."""

    @pytest.mark.parametrize("method", ["get", "post"])
    def test_a_made_up_token_names_no_business(self, client, tenant_a, method):
        path = reverse("invitations:accept", kwargs={"tenant_id": tenant_a.pk, "token": "made-up-token"})
        response = getattr(client, method)(path)
        assert response.status_code in (400, 404)
        assert tenant_a.name not in response.content.decode()
        assert "not valid" in response.content.decode()

    def test_a_made_up_token_names_no_business_to_a_signed_in_user(self, client, user, tenant_a):
        client.force_login(user)
        path = reverse("invitations:accept", kwargs={"tenant_id": tenant_a.pk, "token": "made-up-token"})
        response = client.post(path)
        assert response.status_code == 400 and tenant_a.name not in response.content.decode()

    def test_expired_revoked_and_used_links_are_explained(self, client, tenant_a, owner_a, invited, in_tenant):
        expired, expired_path = invited(email="late@example.test")
        with in_tenant(tenant_a):
            Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(days=1))
        revoked, revoked_path = invited(email="withdrawn@example.test")
        with in_tenant(tenant_a):
            revoke_invitation(invitation=revoked, actor=owner_a)
        for path, words in ((expired_path, "expired"), (revoked_path, "not valid")):
            for response in (client.get(path), client.post(path, {"full_name": "A B", "password": PASSWORD})):
                body = response.content.decode()
                assert 400 <= response.status_code < 500
                assert words in body and tenant_a.name not in body
        assert not get_user_model().objects.filter(email__in=["late@example.test", "withdrawn@example.test"]).exists()
