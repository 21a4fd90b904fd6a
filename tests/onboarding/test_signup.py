"""Public sign-up: a user, their business (owner, status onboarding), 2FA enrolment next, then the wizard."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from django.core.cache import cache
from django.urls import reverse
from prometheus_client import REGISTRY

from apps.accounts.models import User
from apps.onboarding.models import OnboardingProgress, Step
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Membership, Role, Tenant
from tests.helpers import audit_actions

SIGNUP = reverse("signup:signup")
GOOD = {
    "full_name": "Olive Owner",
    "email": "Olive.Owner@Example.test",
    "password": "walnut cabinet drawer 42",
    "business_name": "Brightwater Joinery",
}


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
class TestSignup:
    def test_page_and_login_link(self, client):
        assert client.get(SIGNUP).status_code == 200
        login = client.get(reverse("accounts:login")).content.decode()
        assert f'href="{SIGNUP}"' in login

    def test_happy_path_creates_owner_business_and_progress_then_sends_to_2fa(
        self, client, django_capture_on_commit_callbacks
    ):
        started = REGISTRY.get_sample_value("strongroom_onboarding_started_total") or 0.0
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(SIGNUP, GOOD)
        assert REGISTRY.get_sample_value("strongroom_onboarding_started_total") == started + 1
        assert response.status_code == 302
        user = User.objects.get(email="olive.owner@example.test")
        assert user.full_name == "Olive Owner" and user.check_password(GOOD["password"])
        tenant = Tenant.objects.get(name="Brightwater Joinery")
        assert tenant.slug == "brightwater-joinery" and tenant.status == Tenant.Status.ONBOARDING
        assert Membership.objects.get(user=user, tenant=tenant).role == Role.OWNER
        with tenant_context(tenant):
            progress = OnboardingProgress.objects.get(tenant=tenant)
        assert progress.current_step == Step.BUSINESS and progress.started_by == user

        target = urlparse(response["Location"])
        wizard = reverse("onboarding:start", kwargs={"tenant_slug": tenant.slug})
        assert target.path == reverse("accounts:2fa-setup")
        assert parse_qs(target.query)["next"] == [wizard]
        # Signed in, and the owner's 2FA requirement holds: the wizard itself sends them to enrol.
        assert client.get(reverse("accounts:2fa-setup")).status_code == 200
        blocked = client.get(wizard)
        assert blocked.status_code == 302 and blocked["Location"].startswith(reverse("accounts:2fa-setup"))

        actions = audit_actions(tenant.pk)
        assert "tenancy.tenant.created" in actions and "onboarding.progress.started" in actions
        assert "onboarding.user.signed_up" in actions
        assert "onboarding.user.signed_up" in audit_actions()  # the platform chain too

    def test_duplicate_email_is_a_clear_400_and_nothing_is_written(self, client):
        User.objects.create_user("olive.owner@example.test", "another password 99")
        response = client.post(SIGNUP, GOOD)
        assert response.status_code == 400
        assert "already an account with this email address" in response.content.decode()
        assert not Tenant.objects.exists()
        assert "_auth_user_id" not in client.session

    @pytest.mark.parametrize(
        ("password", "message"),
        [
            ("short", "This password is too short"),
            ("password1234", "This password is too common"),
            ("934857203948", "This password is entirely numeric"),
            ("olive.owner@example", "too similar"),
        ],
    )
    def test_weak_password_is_refused_with_the_validators_message(self, client, password, message):
        response = client.post(SIGNUP, {**GOOD, "password": password})
        assert response.status_code == 400
        assert message in response.content.decode()
        assert not User.objects.filter(email="olive.owner@example.test").exists() and not Tenant.objects.exists()

    def test_missing_fields_are_400(self, client):
        response = client.post(SIGNUP, {"email": "not-an-email"})
        assert response.status_code == 400
        body = response.content.decode()
        assert "Enter a valid email address" in body and "This field is required" in body
        assert not User.objects.filter(email__icontains="example.test").exists()

    def test_same_business_name_gets_another_address(self, client):
        client.post(SIGNUP, GOOD)
        client.logout()
        client.post(SIGNUP, {**GOOD, "email": "second@example.test"})
        slugs = sorted(Tenant.objects.values_list("slug", flat=True))
        assert slugs[0] == "brightwater-joinery" and slugs[1].startswith("brightwater-joinery-")

    def test_rate_limited_per_address(self, client, settings):
        settings.SIGNUP_RATE_LIMIT_PER_HOUR = 2
        for n in range(2):
            assert client.post(SIGNUP, {**GOOD, "email": f"p{n}@example.test"}).status_code == 302
            client.logout()  # a new owner without 2FA is otherwise sent to enrol first
        response = client.post(SIGNUP, {**GOOD, "email": "p9@example.test"})
        assert response.status_code == 429
        assert "Too many sign-ups" in response.content.decode()
        assert not User.objects.filter(email="p9@example.test").exists()

    def test_rate_limit_counts_posts_per_client_address(self, client, settings):
        settings.SIGNUP_RATE_LIMIT_PER_HOUR = 1
        for _ in range(3):
            assert client.get(SIGNUP).status_code == 200  # showing the form is not a sign-up
        first = client.post(SIGNUP, {**GOOD, "email": "a1@example.test"}, REMOTE_ADDR="198.51.100.71")
        assert first.status_code == 302
        client.logout()
        again = client.post(SIGNUP, {**GOOD, "email": "a2@example.test"}, REMOTE_ADDR="198.51.100.71")
        assert again.status_code == 429
        other = client.post(SIGNUP, {**GOOD, "email": "b1@example.test"}, REMOTE_ADDR="198.51.100.72")
        assert other.status_code == 302
        assert set(
            User.objects.filter(email__in=["a1@example.test", "a2@example.test", "b1@example.test"]).values_list(
                "email", flat=True
            )
        ) == {"a1@example.test", "b1@example.test"}
