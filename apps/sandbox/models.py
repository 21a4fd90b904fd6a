"""The sandbox's own state: "HMRC's", "Companies House's" and "the bank's" databases.

Not tenant-scoped: these tables stand in for other organisations' systems, are
keyed by their identifiers (VRN, company number, account id), and never point
at portal tables (in the embedded demo they live in a separate SQLite file, see
``apps.sandbox.routers``). Tokens and codes are stored only as SHA-256 hashes.
"""

from __future__ import annotations

from django.db import models


class OAuthClient(models.Model):
    """An application registered with the HMRC sandbox besides the configured one.

    The application configured in settings (HMRC_CLIENT_ID, secret from
    ``apps.integrations.hmrc.credentials.client_secret()``) needs no row; rows
    let tests register other applications with a fixed secret and redirect URIs.
    """

    client_id = models.CharField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    secret_hash = models.CharField(max_length=64)
    redirect_uris = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.client_id


class AuthorizationCode(models.Model):
    code_hash = models.CharField(max_length=64, unique=True)
    client_id = models.CharField(max_length=100)
    redirect_uri = models.CharField(max_length=2000)
    scopes = models.CharField(max_length=200)
    vrn = models.CharField(max_length=9)
    code_challenge = models.CharField(max_length=128, blank=True)
    grant_id = models.UUIDField()
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"code for {self.vrn} ({self.client_id})"


class Token(models.Model):
    """One access token and (for user grants) its refresh token; a refresh replaces the row's pair."""

    class Kind(models.TextChoices):
        USER = "user", "User-restricted"
        APPLICATION = "application", "Application-restricted"

    access_hash = models.CharField(max_length=64, unique=True)
    refresh_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    client_id = models.CharField(max_length=100)
    scopes = models.CharField(max_length=200)
    vrn = models.CharField(max_length=9, blank=True)
    # One grant (the user's consent) survives refreshes; the chain ends 18 months after it started.
    grant_id = models.UUIDField()
    grant_started_at = models.DateTimeField()
    issued_at = models.DateTimeField()
    access_expires_at = models.DateTimeField()
    # Set when the refresh token is spent or the authorisation code that issued it is replayed.
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["grant_id"])]

    def __str__(self) -> str:
        return f"{self.kind} token for {self.vrn or self.client_id}"


class TestOrganisation(models.Model):
    """A VAT-registered test business known by its VRN. Obligations are derived (see selectors)."""

    class Stagger(models.IntegerChoices):
        STAGGER_1 = 1, "Quarters ending March, June, September, December"
        STAGGER_2 = 2, "Quarters ending April, July, October, January"
        STAGGER_3 = 3, "Quarters ending May, August, November, February"

    __test__ = False  # not a pytest class

    vrn = models.CharField(max_length=9, unique=True)
    name = models.CharField(max_length=200)
    stagger = models.PositiveSmallIntegerField(choices=Stagger.choices, default=Stagger.STAGGER_1)
    # paymentIndicator on submission: DD when payable and a Direct Debit is held, BANK when repayable.
    direct_debit = models.BooleanField(default=False)
    bank_details = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.vrn} {self.name}"


class VatReturn(models.Model):
    organisation = models.ForeignKey(TestOrganisation, on_delete=models.CASCADE, related_name="returns")
    period_key = models.CharField(max_length=4)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    vat_due_sales = models.DecimalField(max_digits=15, decimal_places=2)
    vat_due_acquisitions = models.DecimalField(max_digits=15, decimal_places=2)
    total_vat_due = models.DecimalField(max_digits=15, decimal_places=2)
    vat_reclaimed_curr_period = models.DecimalField(max_digits=15, decimal_places=2)
    net_vat_due = models.DecimalField(max_digits=13, decimal_places=2)
    total_value_sales_ex_vat = models.BigIntegerField()
    total_value_purchases_ex_vat = models.BigIntegerField()
    total_value_goods_supplied_ex_vat = models.BigIntegerField()
    total_acquisitions_ex_vat = models.BigIntegerField()
    processing_date = models.DateTimeField()
    form_bundle_number = models.CharField(max_length=12, unique=True)
    charge_ref_number = models.CharField(max_length=16, blank=True)
    payment_indicator = models.CharField(max_length=4, blank=True)
    receipt_id = models.UUIDField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "period_key"], name="sandbox_one_return_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.period_key} ({self.form_bundle_number})"


class Company(models.Model):
    """A Companies House profile added at run time (fixtures.COMPANIES are served without rows)."""

    company_number = models.CharField(max_length=8, unique=True)
    company_name = models.CharField(max_length=160)
    company_status = models.CharField(max_length=40, default="active")
    profile = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name_plural = "companies"

    def __str__(self) -> str:
        return f"{self.company_number} {self.company_name}"


class Fault(models.Model):
    """Injected failure of one sandboxed service, switched at run time (see services.faults)."""

    class Service(models.TextChoices):
        HMRC = "hmrc", "HMRC"
        COMPANIES_HOUSE = "companies_house", "Companies House"
        BANK = "bank", "Bank feed"

    service = models.CharField(max_length=20, choices=Service.choices, unique=True)
    outage = models.BooleanField(default=False)
    latency_ms = models.PositiveIntegerField(default=0)
    error_rate = models.FloatField(default=0.0)
    rate_limited = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return self.service


class BankAccount(models.Model):
    """A bank account added at run time (fixtures.BANK_ACCOUNTS are served without rows).

    Transactions are not stored: they are generated deterministically from the
    account id and the day (apps.sandbox.bank), so any date range is answerable
    without writes and the same request always gets the same lines.
    """

    account_id = models.CharField(max_length=60, unique=True)
    name = models.CharField(max_length=100)
    holder_name = models.CharField(max_length=160)
    company_number = models.CharField(max_length=8, blank=True)
    sort_code = models.CharField(max_length=8)
    account_number = models.CharField(max_length=8)
    opened_on = models.DateField()
    opening_balance = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    profile = models.CharField(max_length=20, default="joinery")

    def __str__(self) -> str:
        return self.account_id
