"""The sign-up service on its own: every refusal writes nothing."""

from __future__ import annotations

import pytest
from django.db import IntegrityError

from apps.accounts.models import User
from apps.onboarding.errors import SignupError
from apps.onboarding.services import signup
from apps.tenancy.models import Tenant

pytestmark = pytest.mark.django_db
GOOD = {"email": "ada@example.test", "full_name": "Ada Fictitious", "password": "correct horse battery staple 7",
        "business_name": "Fictitious Lamps Ltd"}  # fmt: skip


def test_a_taken_email_is_refused_on_the_email_field(user):
    with pytest.raises(SignupError) as refused:
        signup.sign_up(**{**GOOD, "email": user.email.upper()})
    assert refused.value.field == "email" and not Tenant.objects.exists()


def test_a_weak_password_is_refused_on_the_password_field():
    with pytest.raises(SignupError) as refused:
        signup.sign_up(**{**GOOD, "password": "password"})
    assert refused.value.field == "password"
    assert not User.objects.filter(email=GOOD["email"]).exists()


def test_a_race_on_the_same_address_reads_as_taken(monkeypatch):
    def racing(**kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(User.objects, "create_user", racing)
    with pytest.raises(SignupError) as refused:
        signup.sign_up(**GOOD)
    assert refused.value.field == "email"


def test_a_business_name_the_tenant_refuses_is_reported_on_that_field():
    with pytest.raises(SignupError) as refused:
        signup.sign_up(**{**GOOD, "business_name": "x" * 300})
    assert refused.value.field == "business_name"
    assert not User.objects.filter(email=GOOD["email"]).exists()


def test_a_taken_address_gets_a_suffix(tenant_a):
    tenant_a.slug = "fictitious-lamps-ltd"
    tenant_a.save()
    assert signup.slug_for("Fictitious Lamps Ltd").startswith("fictitious-lamps-ltd-")
