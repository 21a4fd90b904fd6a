"""Public sign-up: a new user and their business (with them as owner) in one transaction.

The owner must then enrol a second factor (Require2FAMiddleware sends every
owner there); the view sends them on to the wizard afterwards.
"""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from apps.audit.services import record_event
from apps.onboarding.errors import SignupError
from apps.onboarding.services.progress import start_onboarding
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Tenant
from apps.tenancy.services import create_tenant

DUPLICATE_EMAIL = "There is already an account with this email address. Sign in instead, or reset your password."
SLUG_MAX = 50


def slug_for(business_name: str) -> str:
    """A free address for /t/<slug>/: the name's slug, with a short random suffix when taken."""
    base = slugify(business_name)[:SLUG_MAX].strip("-") or "business"
    slug = base
    while Tenant.objects.filter(slug=slug).exists():
        slug = f"{base[: SLUG_MAX - 5]}-{secrets.token_hex(2)}"
    return slug


def sign_up(*, email: str, full_name: str, password: str, business_name: str):
    """Create the user, the tenant (status "onboarding") and its onboarding progress; audited.

    Raises SignupError (``.field`` names the form field) for a taken email
    address or a password the validators refuse; nothing is written then.
    """
    user_model = get_user_model()
    email = user_model.objects.normalize_email(email.strip()).lower()
    full_name, business_name = full_name.strip(), business_name.strip()
    if user_model.objects.filter(email__iexact=email).exists():
        raise SignupError(DUPLICATE_EMAIL, field="email")
    try:
        validate_password(password, user=user_model(email=email, full_name=full_name))
    except ValidationError as exc:
        raise SignupError(" ".join(exc.messages), field="password") from exc
    try:
        with transaction.atomic():
            user = user_model.objects.create_user(email=email, password=password, full_name=full_name)
            tenant = create_tenant(name=business_name, slug=slug_for(business_name), owner=user)
            with tenant_context(tenant):
                start_onboarding(tenant=tenant, actor=user)
                facts = {"email": email, "full_name": full_name, "business_name": business_name}
                record_event("onboarding.user.signed_up", actor=user, tenant_id=tenant.pk, target=user, after=facts)
            record_event("onboarding.user.signed_up", actor=user, target=user, after={**facts, "tenant": tenant.slug})
    except IntegrityError as exc:  # the same address signed up in another request a moment ago
        raise SignupError(DUPLICATE_EMAIL, field="email") from exc
    except ValidationError as exc:  # the tenant's own validation (e.g. a name too long)
        raise SignupError(" ".join(exc.messages), field="business_name") from exc
    return user, tenant
