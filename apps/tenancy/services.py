"""Writes to tenants, memberships and invitations. Each owns its transaction and audits.

Membership writes require an owner; callers (views) have already resolved
the acting membership through the portal middleware.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.audit.privileged import privileged
from apps.audit.services import record_event
from apps.tenancy.context import current_tenant_id, tenant_context
from apps.tenancy.errors import InvitationError, LastOwnerError, TenancyError, TenantContextError
from apps.tenancy.models import ApiToken, Invitation, Membership, Role, Tenant
from apps.tenancy.signals import tenant_created

TENANT_SETTINGS_FIELDS = ("name", "vat_number", "company_number")
WRONG_ADDRESS = "This invitation was sent to a different email address. Sign in as that address to accept it."
ACCOUNT_EXISTS = "There is already an account for this email address: sign in to accept the invitation."


def _snapshot(obj, fields) -> dict:
    return {f: getattr(obj, f) for f in fields}


def _require_context(tenant: Tenant) -> None:
    if current_tenant_id() != tenant.pk:
        raise TenantContextError(f"tenant {tenant.pk} changed outside its context")


def create_tenant(*, name: str, slug: str, owner, actor=None, **fields) -> Tenant:
    """Create a tenant with its first owner (seeding, staff, and later onboarding)."""
    with transaction.atomic():
        tenant = Tenant(name=name, slug=slug, **fields)
        tenant.full_clean()
        tenant.save()
        with tenant_context(tenant):
            membership = Membership.objects.create(user=owner, tenant=tenant, role=Role.OWNER)
            tenant_created.send(sender=Tenant, tenant=tenant, actor=actor or owner)
            record_event(
                "tenancy.tenant.created",
                actor=actor or owner,
                tenant_id=tenant.pk,
                target=tenant,
                after=_snapshot(tenant, TENANT_SETTINGS_FIELDS) | {"slug": slug, "owner": owner.email},
            )
            record_event(
                "tenancy.membership.created",
                actor=actor or owner,
                tenant_id=tenant.pk,
                target=membership,
                after={"user": owner.email, "role": Role.OWNER},
            )
    return tenant


@privileged("tenancy.membership.")
def add_member(*, tenant: Tenant, user, role: str, actor) -> Membership:
    """Add an existing user to a tenant (seeding and staff; owners use invitations)."""
    if role not in Role.values:
        raise TenancyError(f"{role!r} is not a role.")
    with tenant_context(tenant):
        membership, created = Membership.objects.get_or_create(user=user, tenant=tenant, defaults={"role": role})
        if not created:
            raise TenancyError(f"{user.email} is already a member of {tenant.name}.")
        record_event(
            "tenancy.membership.created",
            actor=actor,
            tenant_id=tenant.pk,
            target=membership,
            after={"user": user.email, "role": role},
        )
    return membership


def update_tenant_settings(*, tenant: Tenant, actor, data: dict) -> Tenant:
    """Change a tenant's settings; audit the before and after of what changed."""
    _require_context(tenant)
    unknown = set(data) - set(TENANT_SETTINGS_FIELDS)
    if unknown:
        raise TenancyError(f"These settings cannot be changed here: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
        before = _snapshot(tenant, TENANT_SETTINGS_FIELDS)
        for field, value in data.items():
            setattr(tenant, field, value)
        tenant.full_clean()
        after = _snapshot(tenant, TENANT_SETTINGS_FIELDS)
        changed = {k for k in after if after[k] != before[k]}
        if not changed:
            return tenant
        tenant.save(update_fields=[*changed, "updated_at"])
        record_event(
            "tenancy.tenant.updated",
            actor=actor,
            tenant_id=tenant.pk,
            target=tenant,
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
        )
    return tenant


def _owner_count(tenant: Tenant) -> int:
    return Membership.objects.filter(tenant=tenant, role=Role.OWNER).count()


def change_role(*, membership: Membership, role: str, actor) -> Membership:
    _require_context(membership.tenant)
    if role not in Role.values:
        raise TenancyError(f"{role!r} is not a role.")
    with transaction.atomic():
        membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
        old = membership.role
        if old == role:
            return membership
        if old == Role.OWNER and _owner_count(membership.tenant) <= 1:
            raise LastOwnerError("A business needs at least one owner: make someone else owner first.")
        membership.role = role
        membership.save(update_fields=["role"])
        record_event(
            "tenancy.membership.role_changed",
            actor=actor,
            tenant_id=membership.tenant_id,
            target=membership,
            before={"user": membership.user.email, "role": old},
            after={"user": membership.user.email, "role": role},
        )
    return membership


@privileged("tenancy.membership.")
def remove_member(*, membership: Membership, actor) -> None:
    _require_context(membership.tenant)
    with transaction.atomic():
        membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
        if membership.role == Role.OWNER and _owner_count(membership.tenant) <= 1:
            raise LastOwnerError("A business needs at least one owner: make someone else owner first.")
        record_event(
            "tenancy.membership.removed",
            actor=actor,
            tenant_id=membership.tenant_id,
            target=membership,
            before={"user": membership.user.email, "role": membership.role},
        )
        membership.delete()


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@privileged("tenancy.invitation.")
def invite_member(*, tenant: Tenant, email: str, role: str, actor) -> tuple[Invitation, str]:
    """Create an invitation; return it with the one-time token for the link."""
    _require_context(tenant)
    email = email.strip().lower()
    if role not in Role.values:
        raise TenancyError(f"{role!r} is not a role.")
    if Membership.objects.filter(tenant=tenant, user__email__iexact=email).exists():
        raise InvitationError(f"{email} is already a member of {tenant.name}.")
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        Invitation.objects.filter(email=email, accepted_at__isnull=True, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        invitation = Invitation.objects.create(
            tenant=tenant,
            email=email,
            role=role,
            token_hash=_hash_token(token),
            invited_by=actor,
            expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
        )
        record_event(
            "tenancy.invitation.created",
            actor=actor,
            tenant_id=tenant.pk,
            target=invitation,
            after={"email": email, "role": role},
        )
    return invitation, token


@privileged("tenancy.invitation.")
def revoke_invitation(*, invitation: Invitation, actor) -> None:
    _require_context(invitation.tenant)
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not invitation.is_pending:
            raise InvitationError("This invitation is no longer pending.")
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        record_event(
            "tenancy.invitation.revoked",
            actor=actor,
            tenant_id=invitation.tenant_id,
            target=invitation,
            before={"email": invitation.email},
        )


def _pending_invitation(token: str, *, lock: bool = False) -> Invitation:
    """The pending, unexpired invitation for this token, in the current tenant context."""
    invitations = Invitation.objects.select_for_update() if lock else Invitation.objects.all()
    invitation = invitations.filter(token_hash=_hash_token(token)).first()
    if invitation is None or not invitation.is_pending:
        raise InvitationError("This invitation link is not valid any more. Ask for a new one.")
    if invitation.expires_at < timezone.now():
        raise InvitationError("This invitation has expired. Ask for a new one.")
    return invitation


def check_invitation(*, tenant: Tenant, token: str) -> Invitation:
    """Raise InvitationError unless the token opens a pending invitation to this tenant."""
    with tenant_context(tenant):
        return _pending_invitation(token)


def _join(*, tenant: Tenant, invitation: Invitation, user) -> Membership:
    """Inside the tenant's context, with the invitation locked: the membership and the used invitation."""
    membership, _created = Membership.objects.get_or_create(
        user=user, tenant=tenant, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    record_event(
        "tenancy.membership.created",
        actor=user,
        tenant_id=tenant.pk,
        target=membership,
        after={"user": user.email, "role": membership.role, "via": "invitation"},
    )
    return membership


def accept_invitation(*, tenant: Tenant, token: str, user) -> Membership:
    """Turn a valid invitation addressed to ``user`` into a membership.

    The invitee is not a member yet, so this enters the tenant's context itself
    (tenancy code is allowed to); the token, not the URL's tenant, is the proof.
    """
    with tenant_context(tenant):
        invitation = _pending_invitation(token, lock=True)
        if invitation.email != user.email.lower():
            raise InvitationError(WRONG_ADDRESS)
        return _join(tenant=tenant, invitation=invitation, user=user)


def register_from_invitation(*, tenant: Tenant, token: str, full_name: str, password: str):
    """Create the account an invitation was sent to and join the business, in one transaction.

    The email address is the invitation's, never typed: the link proves the
    person reads that mailbox. Refused (``InvitationError``, nothing written)
    when the link is not valid, an account already exists for the address
    (that person signs in and accepts instead) or the password fails the
    validators. Returns the new user and membership.
    """
    user_model = get_user_model()
    full_name = full_name.strip()
    try:
        with tenant_context(tenant):
            invitation = _pending_invitation(token, lock=True)
            if user_model.objects.filter(email__iexact=invitation.email).exists():
                raise InvitationError(ACCOUNT_EXISTS)
            try:
                validate_password(password, user=user_model(email=invitation.email, full_name=full_name))
            except ValidationError as exc:
                raise InvitationError(" ".join(exc.messages)) from exc
            user = user_model.objects.create_user(email=invitation.email, password=password, full_name=full_name)
            record_event(
                "accounts.user.registered",
                actor=user,
                tenant_id=tenant.pk,
                target=user,
                after={"email": user.email, "full_name": full_name, "via": "invitation"},
            )
            membership = _join(tenant=tenant, invitation=invitation, user=user)
    except IntegrityError as exc:  # the same address registered in another request a moment ago
        raise InvitationError(ACCOUNT_EXISTS) from exc
    return user, membership


def validate_slug_available(slug: str) -> None:
    if Tenant.objects.filter(slug=slug).exists():
        raise ValidationError("That address is taken.")


API_TOKEN_PREFIX = "sr_"


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@privileged("tenancy.api_token.")
def create_api_token(*, membership: Membership, name: str, actor) -> tuple[ApiToken, str]:
    """A new API key for this membership; returns the row and the key, which is never shown again."""
    _require_context(membership.tenant)
    name = name.strip()
    if not name:
        raise TenancyError("Give the token a name, such as the tool that will use it.")
    key = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(membership=membership, name=name[:100], prefix=key[:10],
                                        key_hash=hash_api_key(key))  # fmt: skip
        record_event("tenancy.api_token.created", actor=actor, tenant_id=membership.tenant_id, target=token,
                     after={"name": token.name, "prefix": token.prefix, "user": membership.user.email})  # fmt: skip
    return token, key


@privileged("tenancy.api_token.")
def revoke_api_token(*, token: ApiToken, actor) -> None:
    _require_context(token.membership.tenant)
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().select_related("membership").get(pk=token.pk)
        if token.revoked_at is not None:
            raise TenancyError("This token is already revoked.")
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_event("tenancy.api_token.revoked", actor=actor, tenant_id=token.membership.tenant_id, target=token,
                     before={"name": token.name, "prefix": token.prefix})  # fmt: skip
