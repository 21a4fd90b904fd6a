"""Classification for the current tenant, and rules learned from people's corrections.

A correction teaches a rule keyed on the supplier's VAT number (the most
stable identity; never the business's own or an invalid one), else its normalised name, so the next document from that
supplier classifies without review. Learned rules get a high priority: the
latest human decision about a supplier beats broader hand-written rules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction

from apps.audit.services import record_event
from apps.ledger import selectors
from apps.ledger.domain import DOC_SALES_INVOICE, VatTreatment
from apps.ledger.errors import AccountError, RuleError
from apps.ledger.models import NAME_INDEX, VAT_INDEX, Account, Rule, rule_index
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
from apps.security_center.crypto.blind_index import normalize
from apps.tenancy.models import Tenant

if TYPE_CHECKING:
    from apps.ledger.extraction import Extraction

LEARNED_RULE_PRIORITY = 10
DEFAULT_CONFIDENCE_THRESHOLD = 0.80


def confidence_threshold() -> float:
    """The tenant's review threshold; one setting for every tenant until tenants can choose."""
    return float(settings.CLASSIFICATION_CONFIDENCE_THRESHOLD)


_field_thresholds: Callable[[], Mapping[str, float]] = dict


def register_field_thresholds(provider: Callable[[], Mapping[str, float]]) -> None:
    """The documents app supplies each field's calibrated review bar (its calibration table sits above us)."""
    global _field_thresholds
    _field_thresholds = provider


def field_thresholds() -> Mapping[str, float]:
    """Each ledger-affecting field's own review bar; the tenant's threshold stays the floor (rules_engine)."""
    return _field_thresholds()


def classify_for_tenant(extraction: Extraction) -> Classification:
    """Classify with the current tenant's active rules, thresholds and chart (inside tenant_context)."""
    tenant_id = tenant_id_in_context()
    rules = list(Rule.objects.filter(is_active=True).order_by("priority", "created_at"))
    known = selectors.active_account_codes()
    return classify(extraction, tenant_rules=rules, threshold=confidence_threshold(), known_accounts=known,
                    own_vat_numbers=tenant_vat_numbers(tenant_id), field_thresholds=field_thresholds())  # fmt: skip


def tenant_vat_numbers(tenant_id) -> frozenset[str]:
    """The business's own VAT number(s), compact: never a supplier's."""
    return own_vat_numbers(Tenant.objects.filter(pk=tenant_id).values_list("vat_number", flat=True))


def _rule_snapshot(rule: Rule) -> dict:
    # The name and supplier values are sealed on the rule (decision 0025); the chain says only what the rule
    # is keyed on, never the supplier's name or number.
    return {
        "account": rule.account_code,  # not "account_code": the audit log masks keys containing "code"
        "vat_treatment": rule.vat_treatment,
        "keyed_on": "vat_number" if rule.supplier_vat_number else "name",
        "is_active": rule.is_active,
    }


def _learned_rules_for(tenant_id, vat_number: str, normalised: str):
    """Learned rules keyed like this supplier: found by blind index (the values are sealed)."""
    learned = Rule.objects.filter(created_from_correction=True)
    if vat_number:
        return learned.filter(supplier_vat_index=rule_index(tenant_id, vat_number, VAT_INDEX))
    return learned.filter(
        supplier_vat_index__isnull=True, supplier_name_index=rule_index(tenant_id, normalised, NAME_INDEX)
    )


def _confirmed(candidates, vat_number: str, normalised: str) -> Rule | None:
    """The candidate whose opened values are this supplier's: an index match is confirmed, never trusted."""
    for rule in candidates:
        if vat_number and normalize(rule.supplier_vat_number) == normalize(vat_number):
            return rule
        if not vat_number and normalize(rule.supplier_normalised) == normalize(normalised):
            return rule
    return None


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
    keyed = _learned_rules_for(tenant_id, vat_number, normalised)

    with transaction.atomic():
        rule = _confirmed(keyed.select_for_update(), vat_number, normalised)
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
                rule = _confirmed(keyed.select_for_update(), vat_number, normalised)
                if rule is None:  # a 16-byte index collision with another supplier: vanishingly rare, but say so
                    raise RuleError("A learned rule for a supplier that reads the same already exists.") from None
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
