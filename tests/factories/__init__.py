"""Factories for test data: fictitious businesses and people only.

Tenant-scoped models are created inside their tenant's context, as the
application itself must. ``SCOPED_FACTORIES`` maps every tenant-scoped model
to its factory; the isolation tests fail when a model has none.
"""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone
from stdnum.gb import vat as gb_vat

from apps.accounts.models import User
from apps.tenancy.context import tenant_context
from apps.tenancy.models import Invitation, Membership, Role, Tenant

DEFAULT_PASSWORD = "correct horse battery staple 7"


def valid_gb_vat(n: int) -> str:
    """A nine-digit UK VAT number that passes the check digits, derived from n."""
    stem = f"{(n * 7919 + 1234567) % 10_000_000:07d}"
    for check in range(100):
        candidate = f"{stem}{check:02d}"
        if gb_vat.is_valid(candidate):
            return candidate
    raise AssertionError(f"no valid check digits for {stem}")  # pragma: no cover


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    full_name = factory.Sequence(lambda n: f"Test Person {n}")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save(self, create, extracted, **kwargs):
        if create:
            self.save()


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant

    name = factory.Sequence(lambda n: f"Fictitious Trading {n} Ltd")
    slug = factory.Sequence(lambda n: f"fictitious-{n}")
    vat_number = factory.Sequence(valid_gb_vat)
    company_number = factory.Sequence(lambda n: f"{10000000 + n:08d}")
    status = Tenant.Status.ACTIVE


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    tenant = factory.SubFactory(TenantFactory)
    role = Role.BOOKKEEPER


class TenantScopedFactory(factory.django.DjangoModelFactory):
    """Creates the row inside its tenant's context (scope + RLS setting)."""

    class Meta:
        abstract = True

    tenant = factory.SubFactory(TenantFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        tenant = kwargs["tenant"]
        with tenant_context(tenant):
            return super()._create(model_class, *args, **kwargs)


class InvitationFactory(TenantScopedFactory):
    class Meta:
        model = Invitation

    email = factory.Sequence(lambda n: f"invitee{n}@example.test")
    role = Role.VIEWER
    token_hash = factory.Sequence(lambda n: f"{n:064x}")
    invited_by = factory.SubFactory(UserFactory)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


SCOPED_FACTORIES: dict[type, type[factory.django.DjangoModelFactory]] = {
    Invitation: InvitationFactory,
}


# --- documents ---------------------------------------------------------------
from apps.documents.models import Document, DocumentState, TaskRun  # noqa: E402


class DocumentFactory(TenantScopedFactory):
    class Meta:
        model = Document

    original_filename = factory.Sequence(lambda n: f"receipt-{n}.pdf")
    content_type = "application/pdf"
    size = 1234
    pages = 1
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    storage_name = factory.LazyAttribute(lambda o: f"tenants/{o.tenant.pk}/documents/{o.sha256[:2]}/{o.sha256}.pdf")
    state = DocumentState.RECEIVED


class TaskRunFactory(TenantScopedFactory):
    class Meta:
        model = TaskRun

    document = factory.SubFactory(DocumentFactory, tenant=factory.SelfAttribute("..tenant"))
    task_name = "documents.process_document"


SCOPED_FACTORIES[Document] = DocumentFactory
SCOPED_FACTORIES[TaskRun] = TaskRunFactory
