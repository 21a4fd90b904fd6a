"""The double-entry ledger: accounts, journal entries and their lines, and classification rules.

Every model is tenant-scoped. Balance (debits = credits, at least two lines)
is checked by the posting service and, on PostgreSQL, by deferred constraint
triggers at commit; posted entries and their lines are immutable there too
(migration 0002). Corrections are reversals, never edits.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThan
from django.utils import timezone

from apps.ledger import chart
from apps.ledger.domain import ZERO, EntryKind, VatTreatment
from apps.ledger.search import entry_tokens
from apps.security_center.crypto.blind_index import blind_index
from apps.security_center.crypto.envelope import MIN_BLOB_BYTES
from apps.security_center.crypto.fields import EncryptedTextField
from apps.tenancy.models import TenantScopedModel

ACCOUNT_TYPE_CHOICES = [(t.value, t.value.capitalize()) for t in chart.AccountType]
VAT_CONTROL_CHOICES = [(c.value, f"VAT {c.value}") for c in chart.VatControl]
# Accounts the posting conventions rely on: they can be renamed, never deactivated or retyped.
SYSTEM_ACCOUNT_CODES = frozenset(
    {chart.BANK, chart.ACCOUNTS_RECEIVABLE, chart.ACCOUNTS_PAYABLE, chart.VAT_INPUT, chart.VAT_OUTPUT}
)

validate_account_code = RegexValidator(r"^\d{3,6}$", "An account code is three to six digits, e.g. 461.")


def _money_field(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=14, decimal_places=2, **kwargs)


class Account(TenantScopedModel):
    code = models.CharField(max_length=6, validators=[validate_account_code])
    name = models.CharField(max_length=100)
    type = models.CharField(max_length=16, choices=ACCOUNT_TYPE_CHOICES)
    vat_control = models.CharField(max_length=8, choices=VAT_CONTROL_CHOICES, blank=True)
    is_active = models.BooleanField(default=True)
    is_system = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["tenant", "code"], name="ledger_account_tenant_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class JournalCounter(TenantScopedModel):
    """One row per tenant: the last journal number used.

    Why a row and not a sequence: the posting transaction locks it
    (``select_for_update``), so numbers are gap-free: a rolled-back posting
    rolls its number back too, and concurrent postings queue per tenant.
    """

    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="ledger_counter_tenant_unique")]

    def __str__(self) -> str:
        return f"journal counter at {self.last_number}"


class JournalEntry(TenantScopedModel):
    number = models.PositiveIntegerField()
    date = models.DateField()
    # What people typed (a manual journal's memo) or the supplier/customer a document names: sealed (decision 0025).
    description = EncryptedTextField(label="ledger.entry.description", blank=True)
    # No foreign key: the documents app sits above the ledger. Unique per tenant,
    # so a document is posted at most once.
    source_document_id = models.UUIDField(null=True, blank=True)
    # 1 for a document's first posting; a document whose entry was reversed and is posted again gets 2, ...
    document_posting = models.PositiveSmallIntegerField(db_default=1, editable=False)
    # A manual journal's supporting document (an uploaded document of this business), if any.
    attachment_document_id = models.UUIDField(null=True, blank=True)
    kind = models.CharField(max_length=16, choices=EntryKind.choices)
    reverses = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversals", editable=False
    )
    # Why the account and VAT treatment were chosen, in words (from the classification; a reversal's typed
    # reason). It names suppliers and rules: sealed.
    explanation = EncryptedTextField(label="ledger.entry.explanation", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    posted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-date", "-number"]
        verbose_name_plural = "journal entries"
        # The journal's keyset order (decision 0035), led by the tenant like the RLS policy's filter; scanned
        # backwards it also serves date-ordered reads bounded to a period (VAT figures, drill-downs; decision 0034).
        indexes = [models.Index(fields=["tenant", "-date", "-number", "-id"], name="ledger_entry_list_idx")]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="ledger_entry_tenant_number_unique"),
            models.UniqueConstraint(
                fields=["tenant", "source_document_id", "document_posting"], name="ledger_entry_tenant_document_unique"
            ),
            # An entry is reversed at most once.
            models.UniqueConstraint(fields=["tenant", "reverses"], name="ledger_entry_tenant_reverses_unique"),
            models.CheckConstraint(condition=Q(number__gt=0), name="ledger_entry_number_positive"),
        ]

    def __str__(self) -> str:
        return f"Journal {self.number}"

    def save(self, *args, **kwargs) -> None:
        """A new entry's narration words become its search tokens (issue #13); entries are never edited."""
        adding = self._state.adding
        super().save(*args, **kwargs)
        description = self.__dict__.get("description")
        if adding and isinstance(description, str) and description:
            tokens = entry_tokens(self.tenant_id, description)
            JournalSearchToken.objects.bulk_create(
                [JournalSearchToken(tenant_id=self.tenant_id, entry=self, token=t) for t in sorted(tokens)]
            )


class JournalSearchToken(TenantScopedModel):
    """One blind-index token of an entry's narration (``apps.ledger.search``); no plaintext."""

    entry = models.ForeignKey(JournalEntry, on_delete=models.CASCADE, related_name="+")
    token = models.BinaryField(max_length=16)

    class Meta:
        # (tenant, token, entry): a semi-join probes "this entry has this token" in the index, whatever the estimates.
        indexes = [models.Index(fields=["tenant", "token", "entry"], name="ledger_entry_search_token_idx")]

    def __str__(self) -> str:
        return f"search token of {self.entry_id}"


class JournalLine(TenantScopedModel):
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="lines")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    debit = _money_field(default=ZERO)
    credit = _money_field(default=ZERO)
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True, help_text="Percent.")
    vat_treatment = models.CharField(max_length=16, choices=VatTreatment.choices, blank=True)
    description = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["entry", "position"]
        constraints = [
            models.CheckConstraint(
                condition=Q(debit__gte=0) & Q(credit__gte=0), name="ledger_line_amounts_not_negative"
            ),
            models.CheckConstraint(
                condition=(Q(debit__gt=0) & Q(credit=0)) | (Q(debit=0) & Q(credit__gt=0)),
                name="ledger_line_one_side_positive",
            ),
        ]

    def __str__(self) -> str:
        side = f"Dr {self.debit}" if self.debit else f"Cr {self.credit}"
        return f"{self.account_id} {side}"

    @property
    def amount(self) -> Decimal:
        """Signed: debits positive, credits negative."""
        return self.debit - self.credit


class AccountMonth(TenantScopedModel):
    """One account's debits, credits and line count in one calendar month: the history a balance adds up.

    Why stored: a trial balance (and every report built on it) summed every line since the first posting, so
    report pages grew with the business's history (issue #18). On PostgreSQL a statement trigger on journal
    lines (migration 0022) adds each statement's lines here in the writer's transaction; a balance at a date
    reads whole months here and at most one month of lines (decision 0043). Only the trigger writes.
    SQLite (the demo) has no trigger and keeps no rows here: the selectors sum the lines there.
    """

    app_role_privileges = ("SELECT",)

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    month = models.DateField(help_text="The month's first day.")
    debit = models.DecimalField(max_digits=16, decimal_places=2, default=ZERO)
    credit = models.DecimalField(max_digits=16, decimal_places=2, default=ZERO)
    line_count = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["month"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "account", "month"], name="ledger_account_month_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.month:%Y-%m}: Dr {self.debit} Cr {self.credit}"


class Rule(TenantScopedModel):
    """A tenant's classification rule. All conditions that are set must match; keywords match any one.

    Rules are tried in ascending ``priority`` before the default rules in
    code (``default_rules.py``); the first match wins.
    """

    # A learned rule is named after its supplier (often a sole trader: a person), so the name and the supplier
    # conditions are sealed with the tenant's data key; equality lookups go through the blind indexes below,
    # kept in step by save() (decision 0025).
    name = EncryptedTextField(label="ledger.rule.name")
    priority = models.PositiveIntegerField(default=100, help_text="Smaller numbers are tried first.")
    is_active = models.BooleanField(default=True)
    # Conditions
    supplier_exact = EncryptedTextField("supplier name (exact)", label="ledger.rule.supplier_exact", blank=True)
    supplier_normalised = EncryptedTextField(
        "supplier name (normalised)", label="ledger.rule.supplier_normalised", blank=True
    )
    supplier_vat_number = EncryptedTextField("supplier VAT number", label="ledger.rule.supplier_vat_number", blank=True)
    supplier_name_index = models.BinaryField(null=True, editable=False)
    supplier_vat_index = models.BinaryField(null=True, editable=False)
    keywords = models.JSONField(default=list, blank=True, help_text="Any one of these words or phrases.")
    min_gross = _money_field(null=True, blank=True)
    max_gross = _money_field(null=True, blank=True)
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    # Actions
    account_code = models.CharField(max_length=6, validators=[validate_account_code])
    vat_treatment = models.CharField(
        max_length=16, choices=VatTreatment.choices, blank=True, help_text="Blank: worked out from the VAT rates."
    )
    created_from_correction = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["priority", "created_at"]
        constraints = [
            # One learned rule per supplier: keyed on the VAT number, else the normalised name (blind indexes).
            models.UniqueConstraint(
                fields=["tenant", "supplier_vat_index"],
                condition=Q(created_from_correction=True) & Q(supplier_vat_index__isnull=False),
                name="ledger_rule_learned_vat_index_unique",
            ),
            models.UniqueConstraint(
                fields=["tenant", "supplier_name_index"],
                condition=Q(created_from_correction=True)
                & Q(supplier_vat_index__isnull=True)
                & Q(supplier_name_index__isnull=False),
                name="ledger_rule_learned_name_index_unique",
            ),
            models.CheckConstraint(
                condition=Q(min_gross__isnull=True)
                | Q(max_gross__isnull=True)
                | Q(min_gross__lte=models.F("max_gross")),
                name="ledger_rule_amount_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        """Recompute the blind indexes from the (plain, in memory) supplier values before sealing them."""
        self.supplier_vat_index = rule_index(self.tenant_id, self.supplier_vat_number, VAT_INDEX)
        self.supplier_name_index = rule_index(self.tenant_id, self.supplier_normalised, NAME_INDEX)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"supplier_vat_number", "supplier_normalised"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "supplier_vat_index", "supplier_name_index"}
        super().save(*args, **kwargs)


VAT_INDEX = "ledger.rule.supplier_vat_number"
NAME_INDEX = "ledger.rule.supplier_normalised"


def rule_index(tenant_id, value: str, label: str) -> bytes | None:
    """The blind index a rule's supplier value is found by (None for an empty value: nothing to match)."""
    try:
        return blind_index(tenant_id, value or "", label=label)
    except ValueError:  # empty once normalised
        return None


class BankTransaction(TenantScopedModel):
    """One line of a bank feed, imported as it is; nothing reaches the journal until a person handles it.

    Why a table and not journal entries straight away: the bank says how much
    moved, not what for. A line stays ``unposted`` (and blocks VAT approval for
    its period) until it is posted to an account, matched to an entry already
    in the ledger, or ignored with a reason.
    """

    class Status(models.TextChoices):
        UNPOSTED = "unposted", "Not posted"
        POSTED = "posted", "Posted"
        MATCHED = "matched", "Matched"
        IGNORED = "ignored", "Ignored"

    feed_account_id = models.CharField(max_length=60)
    external_id = models.CharField(max_length=100)
    date = models.DateField()
    # The bank's narrative and the other party's name often name a person: sealed (decision 0025).
    description = EncryptedTextField(label="ledger.bank.description", blank=True)
    amount = _money_field(help_text="Signed: money in is positive, money out negative.")
    counterparty = EncryptedTextField(label="ledger.bank.counterparty", blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.UNPOSTED)
    journal_entry = models.ForeignKey(
        JournalEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="bank_lines"
    )
    ignored_reason = EncryptedTextField(label="ledger.bank.ignored_reason", blank=True)
    # The bank rule that posted the line on import (named on the line; undo reverses its posting).
    rule = models.ForeignKey("BankRule", on_delete=models.SET_NULL, null=True, blank=True, related_name="lines")
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-date", "feed_account_id", "external_id"]
        indexes = [
            models.Index(fields=["tenant", "status", "date"], name="ledger_bank_status_date"),
            # The bank page's keyset order (decision 0035).
            models.Index(
                fields=["tenant", "-date", "feed_account_id", "-external_id", "-id"], name="ledger_bank_list_idx"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "feed_account_id", "external_id"], name="ledger_bank_tenant_feed_line_unique"
            ),
            # An entry is the posting of, or matched to, at most one bank line.
            models.UniqueConstraint(fields=["tenant", "journal_entry"], name="ledger_bank_tenant_entry_unique"),
            models.CheckConstraint(condition=~Q(amount=0), name="ledger_bank_amount_not_zero"),
            models.CheckConstraint(
                condition=(Q(status__in=["posted", "matched"]) & Q(journal_entry__isnull=False))
                | (Q(status__in=["unposted", "ignored"]) & Q(journal_entry__isnull=True)),
                name="ledger_bank_entry_matches_status",
            ),
            # The reason is sealed, so "not empty" is "longer than a sealed empty string" (header, nonce, tag).
            models.CheckConstraint(
                condition=~Q(status="ignored") | Q(GreaterThan(Length("ignored_reason"), MIN_BLOB_BYTES)),
                name="ledger_bank_ignored_has_sealed_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.description} {self.amount}"

    @property
    def is_money_in(self) -> bool:
        return self.amount > 0


class BankRule(TenantScopedModel):
    """A tenant's rule for bank lines: payee contains / amount range -> account and VAT treatment.

    Why apart from ``Rule``: those classify documents by supplier and VAT number; a bank line has only a
    narrative, a payee and a signed amount. Active rules post matching lines on import (decision 0040).
    The payee words name people (sole traders): sealed, so matching is done in Python over the few rules.
    """

    class Direction(models.TextChoices):
        OUT = "out", "Money out"
        IN = "in", "Money in"

    name = EncryptedTextField(label="ledger.bank_rule.name")
    payee_contains = EncryptedTextField(label="ledger.bank_rule.payee_contains", blank=True)
    direction = models.CharField(max_length=3, choices=Direction.choices, default=Direction.OUT)
    # Of the line's size (the amount without its sign), inclusive.
    amount_min = _money_field(null=True, blank=True)
    amount_max = _money_field(null=True, blank=True)
    account_code = models.CharField(max_length=6, validators=[validate_account_code])
    vat_treatment = models.CharField(max_length=16, choices=VatTreatment.choices)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_min__isnull=True)
                | Q(amount_max__isnull=True)
                | Q(amount_min__lte=models.F("amount_max")),
                name="ledger_bank_rule_amount_range_ordered",
            ),
            models.CheckConstraint(
                condition=(Q(amount_min__isnull=True) | Q(amount_min__gte=0))
                & (Q(amount_max__isnull=True) | Q(amount_max__gte=0)),
                name="ledger_bank_rule_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def matches(self, line: BankTransaction) -> bool:
        """Every condition set must hold: the direction, the payee words (case-insensitive), the size range."""
        if (line.amount > 0) != (self.direction == self.Direction.IN):
            return False
        size = abs(line.amount)
        if self.amount_min is not None and size < self.amount_min:
            return False
        if self.amount_max is not None and size > self.amount_max:
            return False
        words = (self.payee_contains or "").strip().casefold()
        if words:
            payee = f"{line.counterparty} {line.description}".casefold()
            if words not in payee:
                return False
        return True


class BankSettlement(TenantScopedModel):
    """A bank line's payment that settles a bill (Cr 800) or a sales invoice (Dr 610) in full.

    Why a link table: an invoice is "open" until a payment that still stands settles it; reversing the
    payment (undo) reopens it without touching the invoice's immutable entry. History stays (decision 0040).
    """

    bank_line = models.ForeignKey(BankTransaction, on_delete=models.PROTECT, related_name="settlements")
    invoice = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="settlements")
    payment = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="settles")
    amount = _money_field()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "payment"], name="ledger_settlement_tenant_payment_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="ledger_settlement_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"settlement of {self.amount}"


class JournalAttachment(TenantScopedModel):
    """A file a person attached to a manual journal: kept as evidence, never read.

    Why not a ``Document``: an uploaded document is OCRed, classified and posted;
    this file only backs a journal already typed by hand, so it must never enter
    that pipeline. Its bytes sit beside the documents' (named by tenant and hash,
    written durably) under their own prefix, so the documents' reconciliation
    neither counts nor reports them. Written in the journal's own transaction.
    """

    entry = models.OneToOneField(JournalEntry, on_delete=models.PROTECT, related_name="attached_file")
    original_filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.original_filename
