"""Personal data, tax identifiers and free text sealed across the apps (decision 0025).

For every sealed field: the stored bytes (read by raw SQL) are ciphertext with
no trace of the value; the ORM opens them inside the tenant; another tenant's
key does not open them, nor does the same blob copied to another tenant's row;
equality search over the rules' supplier values goes through blind indexes.
Canary values are random per run.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection

from apps.documents.models import KnownSupplier
from apps.integrations.hmrc.models import OAuthState
from apps.ledger.models import NAME_INDEX, VAT_INDEX, BankRule, BankTransaction, JournalEntry, Rule, rule_index
from apps.onboarding.models import OnboardingProgress
from apps.security_center.crypto import envelope
from apps.security_center.crypto.errors import DecryptionError
from apps.tenancy.context import tenant_context
from apps.tenancy.errors import TenantContextError
from tests.factories import (
    BankRuleFactory,
    BankTransactionFactory,
    JournalEntryFactory,
    KnownSupplierFactory,
    OAuthStateFactory,
    OnboardingProgressFactory,
    RuleFactory,
)

pytestmark = pytest.mark.django_db


def canary() -> str:
    return f"canary-{secrets.token_hex(6)}"


@dataclass(frozen=True)
class Sealed:
    model: type
    field: str
    make: Callable[[object, str], object]  # (tenant, canary) -> saved row holding the canary in ``field``
    read: Callable[[object], str]  # row -> the value as text, to find the canary in


def _text(row, name):
    return getattr(row, name)


def _json(row, name):
    return repr(getattr(row, name))


SEALED = {
    "onboarding.data": Sealed(
        OnboardingProgress,
        "data",
        lambda t, c: OnboardingProgressFactory(
            tenant=t, data={"business": {"address_line_1": f"1 {c} Street", "phone": "0113 496 0000"}}
        ),
        lambda r: _json(r, "data"),
    ),
    "onboarding.kyc_reasons": Sealed(
        OnboardingProgress,
        "kyc_reasons",
        lambda t, c: OnboardingProgressFactory(tenant=t, kyc_reasons=[f"Strongroom staff could not confirm: {c}"]),
        lambda r: _json(r, "kyc_reasons"),
    ),
    "onboarding.review_note": Sealed(
        OnboardingProgress,
        "review_note",
        lambda t, c: OnboardingProgressFactory(tenant=t, review_note=f"We renamed it, {c}"),
        lambda r: _text(r, "review_note"),
    ),
    "onboarding.review_decision_note": Sealed(
        OnboardingProgress,
        "review_decision_note",
        lambda t, c: OnboardingProgressFactory(tenant=t, review_decision_note=f"Checked {c}"),
        lambda r: _text(r, "review_decision_note"),
    ),
    "ledger.bank.description": Sealed(
        BankTransaction,
        "description",
        lambda t, c: BankTransactionFactory(tenant=t, description=f"FASTER PAYMENT {c}"),
        lambda r: _text(r, "description"),
    ),
    "ledger.bank.counterparty": Sealed(
        BankTransaction,
        "counterparty",
        lambda t, c: BankTransactionFactory(tenant=t, counterparty=f"J {c}"),
        lambda r: _text(r, "counterparty"),
    ),
    "ledger.bank.ignored_reason": Sealed(
        BankTransaction,
        "ignored_reason",
        lambda t, c: BankTransactionFactory(tenant=t, status="ignored", ignored_reason=f"Own transfer {c}"),
        lambda r: _text(r, "ignored_reason"),
    ),
    "ledger.bank_rule.name": Sealed(
        BankRule, "name", lambda t, c: BankRuleFactory(tenant=t, name=f"{c} rent"), lambda r: _text(r, "name")
    ),
    "ledger.bank_rule.payee_contains": Sealed(
        BankRule,
        "payee_contains",
        lambda t, c: BankRuleFactory(tenant=t, payee_contains=f"J {c}"),
        lambda r: _text(r, "payee_contains"),
    ),
    "documents.known_supplier.name": Sealed(
        KnownSupplier,
        "name",
        lambda t, c: KnownSupplierFactory(tenant=t, name=f"{c} Plumbing"),
        lambda r: _text(r, "name"),
    ),
    "documents.known_supplier.vat_number": Sealed(
        KnownSupplier,
        "vat_number",
        lambda t, c: KnownSupplierFactory(tenant=t, vat_number=c[-12:]),
        lambda r: _text(r, "vat_number"),
    ),
    "ledger.entry.description": Sealed(
        JournalEntry,
        "description",
        lambda t, c: JournalEntryFactory(tenant=t, description=f"Director's loan {c}"),
        lambda r: _text(r, "description"),
    ),
    "ledger.entry.explanation": Sealed(
        JournalEntry,
        "explanation",
        lambda t, c: JournalEntryFactory(tenant=t, explanation=f"Reason: {c}"),
        lambda r: _text(r, "explanation"),
    ),
    "ledger.rule.name": Sealed(
        Rule, "name", lambda t, c: RuleFactory(tenant=t, name=f"{c} (learned)"), lambda r: _text(r, "name")
    ),
    "ledger.rule.supplier_exact": Sealed(
        Rule,
        "supplier_exact",
        lambda t, c: RuleFactory(tenant=t, supplier_exact=f"{c} Plumbing"),
        lambda r: _text(r, "supplier_exact"),
    ),
    "ledger.rule.supplier_normalised": Sealed(
        Rule,
        "supplier_normalised",
        lambda t, c: RuleFactory(tenant=t, supplier_normalised=f"{c} plumbing"),
        lambda r: _text(r, "supplier_normalised"),
    ),
    "ledger.rule.supplier_vat_number": Sealed(
        Rule,
        "supplier_vat_number",
        # A VAT number is digits; the canary's hex digits stand in (the column is free text).
        lambda t, c: RuleFactory(tenant=t, supplier_vat_number=c[-12:]),
        lambda r: _text(r, "supplier_vat_number"),
    ),
    "hmrc.oauth_state.fraud_context": Sealed(
        OAuthState,
        "fraud_context",
        lambda t, c: OAuthStateFactory(tenant=t, fraud_context={"client_user_ids": {"strongroom": c}}),
        lambda r: _json(r, "fraud_context"),
    ),
}


def raw_column(model, field: str, pk: uuid.UUID) -> bytes:
    """The stored bytes, by SQL (inside a tenant context on PostgreSQL: the app role is under RLS)."""
    column = model._meta.get_field(field).column
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {connection.ops.quote_name(column)} FROM {table} WHERE id = %s",
            [pk.hex if connection.vendor == "sqlite" else pk],
        )
        (value,) = cursor.fetchone()
    return bytes(value)


@pytest.mark.parametrize("label", sorted(SEALED))
def test_sealed_at_rest_and_open_in_the_tenant(label, tenant_a):
    case = SEALED[label]
    value = canary()
    row = case.make(tenant_a, value)
    with tenant_context(tenant_a):
        stored = raw_column(case.model, case.field, row.pk)
        loaded = case.model.objects.get(pk=row.pk)
        assert value[-12:] in case.read(loaded)  # opens inside the tenant (the random part of the canary)
    assert case.model._meta.get_field(case.field).label == label
    assert envelope.looks_sealed(stored) and stored[0] == envelope.FORMAT_V1
    assert value.encode() not in stored and value[-12:].encode() not in stored  # no plaintext substring


@pytest.mark.parametrize("label", sorted(SEALED))
def test_another_tenants_key_does_not_open_it(label, tenant_a, tenant_b):
    case = SEALED[label]
    row = case.make(tenant_a, canary())
    with tenant_context(tenant_a):
        stored = raw_column(case.model, case.field, row.pk)
    with tenant_context(tenant_b), pytest.raises(DecryptionError):
        # Same label and row id, tenant B's key (created on first use): the tag does not verify.
        envelope.decrypt(tenant_id=tenant_b.pk, label=label, row_id=row.pk, blob=stored)
    with tenant_context(tenant_b), pytest.raises(TenantContextError):
        envelope.decrypt(tenant_id=tenant_a.pk, label=label, row_id=row.pk, blob=stored)  # A's keys stay in A


def test_a_blob_copied_to_another_tenants_row_does_not_open(tenant_a, tenant_b):
    mine = BankTransactionFactory(tenant=tenant_a, counterparty=canary())
    theirs = BankTransactionFactory(tenant=tenant_b, counterparty="Someone else")
    with tenant_context(tenant_a):
        stored = raw_column(BankTransaction, "counterparty", mine.pk)
    with tenant_context(tenant_b):
        # What a stray UPDATE (or a restore into the wrong row) would do: the bytes bind tenant A and row A.
        BankTransaction.objects.filter(pk=theirs.pk).update(counterparty=stored)
        with pytest.raises(DecryptionError):
            _ = BankTransaction.objects.get(pk=theirs.pk).counterparty


def test_plain_values_cannot_be_written_or_searched_past_the_instance(tenant_a):
    BankTransactionFactory(tenant=tenant_a, counterparty="Millrace Yard Estates")
    with tenant_context(tenant_a):
        with pytest.raises(TypeError):
            BankTransaction.objects.filter(counterparty="Millrace Yard Estates").exists()
        with pytest.raises(TypeError):
            Rule.objects.update(supplier_vat_number="980780684")


class TestBlindIndexes:
    def test_the_learned_rule_lookup_finds_the_row_by_index(self, tenant_a):
        rule = RuleFactory(
            tenant=tenant_a, created_from_correction=True, supplier_vat_number="980780684", name="Quillfeather"
        )
        name_rule = RuleFactory(tenant=tenant_a, created_from_correction=True, supplier_normalised="brightwater")
        with tenant_context(tenant_a):
            by_vat = Rule.objects.filter(supplier_vat_index=rule_index(tenant_a.pk, "980 7806 84", VAT_INDEX))
            assert list(by_vat) == [rule]  # normalised: spaces do not matter
            by_name = Rule.objects.filter(supplier_name_index=rule_index(tenant_a.pk, "Brightwater", NAME_INDEX))
            assert list(by_name) == [name_rule]
            assert not Rule.objects.filter(supplier_vat_index=rule_index(tenant_a.pk, "980780685", VAT_INDEX))
            stored = raw_column(Rule, "supplier_vat_index", rule.pk)
        assert len(stored) == 16 and b"980780684" not in stored

    def test_the_index_is_per_tenant_and_per_field(self, tenant_a, tenant_b):
        a = RuleFactory(tenant=tenant_a, supplier_vat_number="980780684")
        b = RuleFactory(tenant=tenant_b, supplier_vat_number="980780684")
        with tenant_context(tenant_a):
            index_a = raw_column(Rule, "supplier_vat_index", a.pk)
            assert rule_index(tenant_a.pk, "980780684", NAME_INDEX) != index_a
        with tenant_context(tenant_b):
            index_b = raw_column(Rule, "supplier_vat_index", b.pk)
            assert not Rule.objects.filter(supplier_vat_index=index_a).exists()
        assert index_a != index_b

    def test_an_empty_value_has_no_index_and_an_edit_moves_it(self, tenant_a):
        rule = RuleFactory(tenant=tenant_a)
        with tenant_context(tenant_a):
            rule.refresh_from_db()
            assert rule.supplier_vat_index is None and rule.supplier_name_index is None
            rule.supplier_vat_number = "980780684"
            rule.save(update_fields=["supplier_vat_number"])
            assert Rule.objects.filter(supplier_vat_index=rule_index(tenant_a.pk, "980780684", VAT_INDEX)).get() == rule
