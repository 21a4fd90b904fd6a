"""Classification for the current tenant, and rules learned from people's corrections.

A correction teaches a rule keyed on the supplier's VAT number (the most
stable identity; never the business's own or an invalid one), else its normalised name, so the next document from that
supplier classifies without review. Learned rules get a high priority: the
latest human decision about a supplier beats broader hand-written rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction

from apps.audit.services import record_event
from apps.ledger import selectors
from apps.ledger.domain import DOC_SALES_INVOICE, VatTreatment
from apps.ledger.errors import AccountError, RuleError
from apps.ledger.models import Account, Rule
from apps.ledger.rules_engine import (
    Classification,
    classify,
    compact_vat_number,
    display_vat_number,
    is_valid_vat_number,
    normalise_name,
    own_vat_numbers,
)
from apps.ledger.services.context import tenant_id_in_context
from apps.tenancy.models import Tenant

if TYPE_CHECKING:
    from apps.ledger.extraction import Extraction

LEARNED_RULE_PRIORITY = 10
DEFAULT_CONFIDENCE_THRESHOLD = 0.80


def confidence_threshold() -> float:
    """The tenant's review threshold; one setting for every tenant until tenants can choose."""
    return float(settings.CLASSIFICATION_CONFIDENCE_THRESHOLD)


def classify_for_tenant(extraction: Extraction) -> Classification:
    """Classify with the current tenant's active rules, threshold and chart (inside tenant_context)."""
    tenant_id = tenant_id_in_context()
    rules = list(Rule.objects.filter(is_active=True).order_by("priority", "created_at"))
    known = selectors.active_account_codes()
    return classify(extraction, tenant_rules=rules, threshold=confidence_threshold(), known_accounts=known,
                    own_vat_numbers=tenant_vat_numbers(tenant_id))  # fmt: skip


def tenant_vat_numbers(tenant_id) -> frozenset[str]:
    """The business's own VAT number(s), compact: never a supplier's."""
    return own_vat_numbers(Tenant.objects.filter(pk=tenant_id).values_list("vat_number", flat=True))


def _rule_snapshot(rule: Rule) -> dict:
    return {
        "name": rule.name,
        "account": rule.account_code,  # not "account_code": the audit log masks keys containing "code"
        "vat_treatment": rule.vat_treatment,
        "supplier_vat_number": rule.supplier_vat_number,
        "supplier_normalised": rule.supplier_normalised,
        "is_active": rule.is_active,
    }


def learn_from_correction(*, extraction: Extraction, account_code: str, vat_treatment: str, actor) -> Rule:
    """Create or update the tenant rule for this document's supplier from a person's correction.

    ``vat_treatment`` may be "" to keep working the treatment out from each document's rates.
    """
    tenant_id = tenant_id_in_context()
    if str(extraction.kind.value or "") == DOC_SALES_INVOICE:
        raise RuleError("Rules are learned from purchases; a sales invoice is not keyed on a supplier.")
    if vat_treatment and vat_treatment not in VatTreatment.values:
        raise RuleError(f"{vat_treatment!r} is not a VAT treatment.")
    account = Account.objects.filter(code=(account_code or "").strip()).first()
    if account is None or not account.is_active:
        raise AccountError(f"Account {account_code} is not an active account in this business's chart.")
    supplier = (extraction.supplier_name.value or "").strip()
    vat_number = compact_vat_number(extraction.supplier_vat_number.value or "")
    if vat_number in tenant_vat_numbers(tenant_id) or not is_valid_vat_number(vat_number):
        # The business's own number (printed as the customer's) or an invalid one identifies no
        # supplier: a rule keyed on it would match the wrong documents. Key on the name instead.
        vat_number = ""
    normalised = "" if vat_number else normalise_name(supplier)
    if not vat_number and not normalised:
        raise RuleError("Nothing to learn from: the document shows neither the supplier's name nor its VAT number.")
    keyed = Rule.objects.filter(created_from_correction=True, supplier_vat_number=vat_number)
    if not vat_number:
        keyed = keyed.filter(supplier_normalised=normalised)

    with transaction.atomic():
        rule = keyed.select_for_update().first()
        before = _rule_snapshot(rule) if rule else {}
        if rule is None:
            label = supplier or display_vat_number(vat_number)
            rule = Rule(
                tenant_id=tenant_id,
                name=f"{label} (learned from a correction)"[:120],
                priority=LEARNED_RULE_PRIORITY,
                supplier_vat_number=vat_number,
                supplier_normalised=normalised,
                account_code=account.code,
                vat_treatment=vat_treatment,
                created_from_correction=True,
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            try:
                with transaction.atomic():
                    rule.save(force_insert=True)
            except IntegrityError:  # a concurrent correction for the same supplier won
                rule = keyed.select_for_update().get()
                before = _rule_snapshot(rule)
        if before:
            rule.account_code, rule.vat_treatment, rule.is_active = account.code, vat_treatment, True
            rule.save(update_fields=["account_code", "vat_treatment", "is_active", "updated_at"])
        record_event(
            "ledger.rule.learned",
            actor=actor,
            tenant_id=tenant_id,
            target=rule,
            before=before,
            after=_rule_snapshot(rule),
        )
    return rule
