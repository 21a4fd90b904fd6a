"""Tenants, memberships and the tenant-scoped base model.

``Tenant`` and ``Membership`` are routing tables: they are read before a tenant
scope exists (to resolve ``/t/<slug>/`` and check membership), so they are not
tenant-scoped. Everything a tenant owns inherits :class:`TenantScopedModel`,
whose manager raises outside a scope and whose table gets a row-level security
policy on PostgreSQL.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django_scopes import ScopedManager
from stdnum.gb import vat as gb_vat

from apps.tenancy.errors import TenantContextError
from apps.tenancy.validators import validate_company_number, validate_gb_vat_number


class Tenant(models.Model):
    class Status(models.TextChoices):
        ONBOARDING = "onboarding", "Onboarding"
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"
        CLOSED = "closed", "Closed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    vat_number = models.CharField(
        "VAT registration number",
        max_length=12,
        blank=True,
        validators=[validate_gb_vat_number],
        help_text="Nine digits (or twelve for a branch), with or without the GB prefix.",
    )
    company_number = models.CharField(
        "Companies House number", max_length=8, blank=True, validators=[validate_company_number]
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ONBOARDING)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.vat_number:
            self.vat_number = gb_vat.compact(self.vat_number)
        if self.company_number:
            self.company_number = self.company_number.strip().upper()

    @property
    def vat_number_display(self) -> str:
        """As HMRC prints it: GB 123 4567 89."""
        return f"GB {gb_vat.format(self.vat_number)}" if self.vat_number else ""

    @property
    def is_open(self) -> bool:
        return self.status in {self.Status.ONBOARDING, self.Status.ACTIVE}


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ACCOUNTANT = "accountant", "Accountant"
    BOOKKEEPER = "bookkeeper", "Bookkeeper"
    VIEWER = "viewer", "Viewer"


class Membership(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tenant__name"]
        constraints = [models.UniqueConstraint(fields=["user", "tenant"], name="membership_user_tenant_unique")]

    def __str__(self) -> str:
        return f"{self.user} in {self.tenant} as {self.role}"


class TenantScopedModel(models.Model):
    """Base for everything a tenant owns.

    The default manager raises ``ScopeError`` outside ``tenant_context``; the
    table gets ``FORCE ROW LEVEL SECURITY`` and a policy on ``app.tenant_id``
    (see apps/tenancy/rls.py). Primary keys are UUIDs generated in Python so
    that encrypted fields can bind the row id before the INSERT.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+", editable=False)

    objects = ScopedManager(tenant="tenant")

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        from apps.tenancy.context import current_tenant_id

        active = current_tenant_id()
        if active is None or self.tenant_id != active:
            raise TenantContextError(
                f"{type(self).__name__} for tenant {self.tenant_id} written outside that tenant's context"
            )
        super().save(*args, **kwargs)


class Invitation(TenantScopedModel):
    """An invitation for someone to join a tenant's team.

    Only a SHA-256 of the token is stored; the token itself is in the link.
    """

    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices)
    token_hash = models.CharField(max_length=64)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "token_hash"], name="invitation_tenant_token_unique"),
        ]

    def __str__(self) -> str:
        return f"Invitation for {self.email}"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None


class ApiToken(models.Model):
    """A key for the HTTP API, bound to one membership: the token itself says which business.

    A routing table like Membership (read before a tenant is known). Only a
    SHA-256 of the key is stored; the key is shown once when created. Removing
    the membership removes its tokens.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
