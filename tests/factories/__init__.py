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
from apps.documents.models import Document, DocumentSearchToken, DocumentState, KnownSupplier, TaskRun  # noqa: E402


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


class DocumentSearchTokenFactory(TenantScopedFactory):
    class Meta:
        model = DocumentSearchToken

    document = factory.SubFactory(DocumentFactory, tenant=factory.SelfAttribute("..tenant"))
    token = factory.Sequence(lambda n: n.to_bytes(16, "big"))


class KnownSupplierFactory(TenantScopedFactory):
    class Meta:
        model = KnownSupplier

    vat_number = "980780684"
    name = factory.Sequence(lambda n: f"Quillfeather Stationers {n} Ltd")
    documents_posted = 1


SCOPED_FACTORIES[Document] = DocumentFactory
SCOPED_FACTORIES[DocumentSearchToken] = DocumentSearchTokenFactory
SCOPED_FACTORIES[TaskRun] = TaskRunFactory
SCOPED_FACTORIES[KnownSupplier] = KnownSupplierFactory


# --- Ledger ----------------------------------------------------------------
# Real entries come from apps.ledger.services (balanced, numbered, audited).
# These factories make rows for isolation tests and fixtures. Entries they make
# balance, because PostgreSQL checks at COMMIT and Django's TestCase checks
# deferred constraints at teardown.
from decimal import Decimal  # noqa: E402

from apps.ledger.models import (  # noqa: E402
    Account,
    AccountMonth,
    JournalAttachment,
    JournalCounter,
    JournalEntry,
    JournalLine,
    JournalSearchToken,
    Rule,
)


class AccountFactory(TenantScopedFactory):
    class Meta:
        model = Account

    code = factory.Sequence(lambda n: f"{5000 + n}")  # outside the default chart's three-digit codes
    name = factory.Sequence(lambda n: f"Test account {n}")
    type = "expense"


class JournalCounterFactory(TenantScopedFactory):
    class Meta:
        model = JournalCounter
        django_get_or_create = ("tenant",)

    last_number = 0


class JournalEntryFactory(TenantScopedFactory):
    class Meta:
        model = JournalEntry
        skip_postgeneration_save = True

    number = factory.Sequence(lambda n: 100_000 + n)  # far from the service's numbers
    date = factory.LazyFunction(timezone.localdate)
    description = factory.Sequence(lambda n: f"Test journal {n}")
    kind = "manual"

    @factory.post_generation
    def lines(self, create, extracted, **kwargs):
        """Two balancing lines on two new accounts; ``lines=False`` for none."""
        if not create or extracted is False:
            return
        with tenant_context(self.tenant):
            for position, (debit, credit) in enumerate([(Decimal("10.00"), 0), (0, Decimal("10.00"))], start=1):
                JournalLine.objects.create(
                    tenant=self.tenant,
                    entry=self,
                    account=AccountFactory(tenant=self.tenant),
                    position=position,
                    debit=debit,
                    credit=credit,
                )


class JournalLineFactory(TenantScopedFactory):
    """A debit line on a new entry, which gets a balancing credit line so that it balances."""

    class Meta:
        model = JournalLine
        skip_postgeneration_save = True

    entry = factory.SubFactory(JournalEntryFactory, tenant=factory.SelfAttribute("..tenant"), lines=False)
    account = factory.SubFactory(AccountFactory, tenant=factory.SelfAttribute("..tenant"))
    position = 1
    debit = Decimal("10.00")
    credit = Decimal("0.00")

    @factory.post_generation
    def balance(self, create, extracted, **kwargs):
        if not create or extracted is False:
            return
        with tenant_context(self.tenant):
            JournalLine.objects.create(
                tenant=self.tenant,
                entry=self.entry,
                account=AccountFactory(tenant=self.tenant),
                position=self.position + 1,
                debit=self.credit,
                credit=self.debit,
            )


class JournalSearchTokenFactory(TenantScopedFactory):
    class Meta:
        model = JournalSearchToken

    entry = factory.SubFactory(JournalEntryFactory, tenant=factory.SelfAttribute("..tenant"))
    token = factory.Sequence(lambda n: n.to_bytes(16, "big"))


class RuleFactory(TenantScopedFactory):
    class Meta:
        model = Rule

    name = factory.Sequence(lambda n: f"Test rule {n}")
    keywords = factory.LazyFunction(lambda: ["widgets"])
    account_code = "461"


class JournalAttachmentFactory(TenantScopedFactory):
    class Meta:
        model = JournalAttachment

    entry = factory.SubFactory(JournalEntryFactory, tenant=factory.SelfAttribute("..tenant"))
    original_filename = factory.Sequence(lambda n: f"evidence-{n}.pdf")
    content_type = "application/pdf"
    size = 1234
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    storage_name = factory.LazyAttribute(lambda a: f"tenants/{a.tenant.pk}/journal-attachments/{a.sha256}.pdf")


class AccountMonthFactory(TenantScopedFactory):
    """A month of the ledger's summary. On PostgreSQL only the trigger writes these rows (the application role
    may only read them), so a line is posted and the row it made is returned; SQLite keeps no summary."""

    class Meta:
        model = AccountMonth

    account = factory.SubFactory(AccountFactory, tenant=factory.SelfAttribute("..tenant"))
    month = factory.LazyFunction(lambda: timezone.localdate().replace(day=1))
    debit = Decimal("10.00")
    credit = Decimal("0.00")
    line_count = 1

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from django.db import connection

        if connection.vendor != "postgresql":
            return super()._create(model_class, *args, **kwargs)
        tenant, account, month = kwargs["tenant"], kwargs["account"], kwargs["month"]
        with tenant_context(tenant):
            JournalLineFactory(tenant=tenant, account=account, entry__date=month, debit=kwargs["debit"])
            return model_class.objects.select_related("tenant", "account").get(account=account, month=month)


SCOPED_FACTORIES[Account] = AccountFactory
SCOPED_FACTORIES[AccountMonth] = AccountMonthFactory
SCOPED_FACTORIES[JournalAttachment] = JournalAttachmentFactory
SCOPED_FACTORIES[JournalCounter] = JournalCounterFactory
SCOPED_FACTORIES[JournalEntry] = JournalEntryFactory
SCOPED_FACTORIES[JournalLine] = JournalLineFactory
SCOPED_FACTORIES[JournalSearchToken] = JournalSearchTokenFactory
SCOPED_FACTORIES[Rule] = RuleFactory


# --- security_center ---------------------------------------------------------
from apps.security_center.models import TenantKey  # noqa: E402


class TenantKeyFactory(TenantScopedFactory):
    """A retired key row with opaque bytes (the isolation tests only need a row; real keys come from keystore)."""

    class Meta:
        model = TenantKey

    purpose = TenantKey.Purpose.DATA
    version = factory.Sequence(lambda n: n + 1)
    wrapped_dek = factory.LazyFunction(lambda: bytes(60))
    kek_id = "local"
    kek_version = 1
    active = False


SCOPED_FACTORIES[TenantKey] = TenantKeyFactory


# --- onboarding ------------------------------------------------------------
from apps.onboarding.models import OnboardingProgress  # noqa: E402


class OnboardingProgressFactory(TenantScopedFactory):
    class Meta:
        model = OnboardingProgress

    started_at = factory.LazyFunction(timezone.now)


SCOPED_FACTORIES[OnboardingProgress] = OnboardingProgressFactory


# --- ledger: bank-feed lines -------------------------------------------------
from apps.ledger.models import BankTransaction  # noqa: E402


class BankTransactionFactory(TenantScopedFactory):
    class Meta:
        model = BankTransaction

    feed_account_id = "acc-test-current"
    external_id = factory.Sequence(lambda n: f"line-{n}")
    date = factory.LazyFunction(timezone.localdate)
    description = factory.Sequence(lambda n: f"Card payment {n}")
    amount = Decimal("-12.00")
    counterparty = "Fixings Direct Ltd"


SCOPED_FACTORIES[BankTransaction] = BankTransactionFactory

from apps.ledger.models import BankRule, BankSettlement  # noqa: E402


class BankRuleFactory(TenantScopedFactory):
    class Meta:
        model = BankRule

    name = factory.Sequence(lambda n: f"Bank rule {n}")
    payee_contains = "Fixings Direct"
    direction = "out"
    account_code = "461"
    vat_treatment = "standard"


SCOPED_FACTORIES[BankRule] = BankRuleFactory


class BankSettlementFactory(TenantScopedFactory):
    """A settlement row over stand-in entries (the service writes real ones: tests/ledger/test_bank_reconcile.py)."""

    class Meta:
        model = BankSettlement

    bank_line = factory.SubFactory(BankTransactionFactory, tenant=factory.SelfAttribute("..tenant"))
    invoice = factory.SubFactory(JournalEntryFactory, tenant=factory.SelfAttribute("..tenant"))
    payment = factory.SubFactory(JournalEntryFactory, tenant=factory.SelfAttribute("..tenant"))
    amount = Decimal("120.00")


SCOPED_FACTORIES[BankSettlement] = BankSettlementFactory


# --- integrations --------------------------------------------------------------
from apps.integrations.hmrc.models import HmrcConnection, OAuthState  # noqa: E402


class HmrcConnectionFactory(TenantScopedFactory):
    """A connection row with fake (encrypted) tokens; tests of the real flow use tests/integrations/hmrc_helpers."""

    class Meta:
        model = HmrcConnection
        django_get_or_create = ("tenant",)

    status = HmrcConnection.Status.CONNECTED
    access_token = factory.Sequence(lambda n: f"test-access-{n}")
    refresh_token = factory.Sequence(lambda n: f"test-refresh-{n}")
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=4))
    scopes = "read:vat write:vat"


class OAuthStateFactory(TenantScopedFactory):
    class Meta:
        model = OAuthState

    state_hash = factory.Sequence(lambda n: f"{n:064x}")
    user = factory.SubFactory(UserFactory)
    redirect_uri = "http://testserver/callback/"
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(minutes=10))


SCOPED_FACTORIES[HmrcConnection] = HmrcConnectionFactory
SCOPED_FACTORIES[OAuthState] = OAuthStateFactory


# --- filing (registered by importing the module) ------------------------------
from tests.factories import filing as _filing  # noqa: E402,F401
