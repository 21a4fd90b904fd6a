"""Classification: which account and VAT treatment a document gets, and why, in words.

Pure functions over the extraction contract and a list of rules: no database
access here (``services.rules.classify_for_tenant`` loads the rules),
so the golden-dataset runner and tests call it directly.

Order: a sales invoice goes to Sales. Otherwise the tenant's rules (ascending
priority), then the default rules in code (three passes, see default_rules.py);
the first match wins. A decision needs review when nothing matched, the
document's arithmetic failed, a field that affects the ledger or the return
(kind, supplier, its VAT number where VAT is reclaimed, document number on an
invoice, date, net, VAT, total) is missing or was read with a confidence below
its threshold, the extraction found conflicting evidence of who issued the
document, or a purchase charges VAT under a VAT number that is not valid or is
the business's own (that VAT is never reclaimed automatically).
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING

from stdnum.gb import vat as gb_vat

from apps.ledger import chart
from apps.ledger.default_rules import DEFAULT_RULES, DefaultRule
from apps.ledger.domain import (
    DOC_CREDIT_NOTE,
    DOC_PURCHASE_INVOICE,
    DOC_SALES_INVOICE,
    POSTABLE_DOCUMENT_KINDS,
    PURCHASE_DOCUMENT_KINDS,
    VatTreatment,
    format_money,
    format_rate,
)
from apps.ledger.vat import breakdown_rates, find_vat

if TYPE_CHECKING:
    from apps.ledger.extraction import Extraction
    from apps.ledger.models import Rule

# How strongly each kind of match identifies the account, before field confidences.
STRENGTH_VAT_NUMBER = 0.99
STRENGTH_SUPPLIER_NAME = 0.95
STRENGTH_DEFAULT_SUPPLIER = 0.9
STRENGTH_KEYWORD = 0.85
STRENGTH_OTHER = 0.8
SALES_RULE_NAME = "Sales invoices"
NO_VAT_TREATMENTS = frozenset({VatTreatment.ZERO, VatTreatment.EXEMPT, VatTreatment.OUTSIDE_SCOPE})

INVALID_VAT_NUMBER_REASON = (
    "The VAT number on this document is not valid, so its VAT cannot be reclaimed without a valid VAT invoice."
)
OWN_VAT_NUMBER_REASON = (
    "The VAT number on this document is your own VAT number, not the supplier's, so its VAT cannot be "
    "reclaimed on it: check the supplier's VAT number."
)

_TRAILING_NOISE = frozenset({"limited", "ltd", "plc", "llp", "llc", "inc", "uk", "gb", "co", "company", "and"})


@dataclass(frozen=True)
class Classification:
    account_code: str | None
    vat_treatment: str
    confidence: float
    explanation: str
    rule_id: uuid.UUID | None
    rule_name: str
    needs_review: bool
    reasons: list[str]


@dataclass(frozen=True)
class _Facts:
    """What rules look at, worked out once per document."""

    supplier: str
    supplier_normalised: str
    vat_number: str
    haystack: str
    gross: Decimal | None
    rates: tuple[Decimal, ...]


@dataclass(frozen=True)
class _Match:
    account_code: str
    vat_treatment: str
    strength: float
    explanation: str
    rule_id: uuid.UUID | None
    rule_name: str


def normalise_name(name: str) -> str:
    """'The Viking Direct (UK) Ltd.' -> 'viking direct': for comparing supplier names."""
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = re.sub(r"['’`]", "", text.replace("&", " and "))
    words = re.sub(r"[^\w]+", " ", text).split()
    if words and words[0] == "the":
        words = words[1:]
    while words and words[-1] in _TRAILING_NOISE:
        words.pop()
    return " ".join(words)


def compact_vat_number(value: str) -> str:
    return gb_vat.compact(value or "") if value else ""


def display_vat_number(value: str) -> str:
    """As HMRC prints it: GB 123 4567 89."""
    number = compact_vat_number(value)
    try:
        return f"GB {gb_vat.format(number)}"
    except Exception:  # malformed numbers are still shown, as read
        return f"GB {number}"


@lru_cache(maxsize=2048)
def _word_pattern(phrase: str) -> re.Pattern[str]:
    body = r"\s+".join(re.escape(part) for part in phrase.split())
    return re.compile(rf"(?<!\w){body}(?!\w)", re.IGNORECASE)


def compile_default_patterns() -> int:
    """Compile every default rule's phrase pattern now; returns how many.

    Why: a worker calls this before its pool forks (config/celery.py), so each pool process starts with the
    ~700 patterns compiled instead of compiling them on its first document (~0.3 s of CPU per process).
    """
    phrases = {p.strip() for rule in DEFAULT_RULES for p in (*rule.suppliers, *rule.keywords) if p and p.strip()}
    for phrase in phrases:
        _word_pattern(phrase)
    return len(phrases)


def first_phrase_in(phrases: Iterable[str], text: str) -> str | None:
    """The longest of ``phrases`` found in ``text`` as whole words (the most telling one for the explanation)."""
    for phrase in sorted((p.strip() for p in phrases if p and p.strip()), key=len, reverse=True):
        if _word_pattern(phrase).search(text):
            return phrase
    return None


def is_valid_vat_number(value: str) -> bool:
    """The UK check-digit test (9 digits, or 12 with a branch)."""
    return bool(value) and gb_vat.is_valid(value)


def own_vat_numbers(values: Iterable[str]) -> frozenset[str]:
    return frozenset(n for n in (compact_vat_number(v) for v in values) if n)


def vat_number_reason(extraction: Extraction, own: Collection[str]) -> str:
    """Why input VAT on this document may not be reclaimed automatically, in words; "" when it may.

    Only purchases that charge VAT are concerned: a valid VAT invoice is what allows
    reclaiming it, and the business's own number on a bill is not the supplier's.
    """
    kind = str(extraction.kind.value) if extraction.kind.value is not None else ""
    charged = extraction.vat.value
    if kind not in PURCHASE_DOCUMENT_KINDS or charged is None or charged <= 0:
        return ""
    number = compact_vat_number(extraction.supplier_vat_number.value or "")
    if number and number in own_vat_numbers(own):
        return OWN_VAT_NUMBER_REASON
    if number and not is_valid_vat_number(number):
        return INVALID_VAT_NUMBER_REASON
    if not number and getattr(extraction, "invalid_vat_numbers", None):
        return INVALID_VAT_NUMBER_REASON
    return ""


def _facts(extraction: Extraction, own: Collection[str] = ()) -> _Facts:
    supplier = (extraction.supplier_name.value or "").strip()
    parts = [supplier, *(line.description for line in extraction.lines), getattr(extraction, "text", "") or ""]
    vat_number = compact_vat_number(extraction.supplier_vat_number.value or "")
    return _Facts(
        supplier=supplier,
        supplier_normalised=normalise_name(supplier),
        # The business's own number identifies no supplier: no rule may match on it.
        vat_number="" if vat_number in own_vat_numbers(own) else vat_number,
        haystack="\n".join(parts),
        gross=extraction.gross.value,
        rates=tuple(breakdown_rates(extraction)),
    )


def _tenant_rule_conditions(rule: Rule, facts: _Facts) -> tuple[list[str], float] | None:
    """The conditions that matched, in words, and the match strength; None unless every set condition holds."""
    said: list[str] = []
    strength = STRENGTH_OTHER
    if rule.supplier_vat_number:
        if not facts.vat_number or facts.vat_number != compact_vat_number(rule.supplier_vat_number):
            return None
        said.append(f"VAT number {display_vat_number(rule.supplier_vat_number)}")
        strength = max(strength, STRENGTH_VAT_NUMBER)
    if rule.supplier_exact:
        if facts.supplier != rule.supplier_exact.strip():
            return None
        said.append(f"supplier '{rule.supplier_exact.strip()}'")
        strength = max(strength, STRENGTH_SUPPLIER_NAME)
    if rule.supplier_normalised:
        if not facts.supplier_normalised or facts.supplier_normalised != normalise_name(rule.supplier_normalised):
            return None
        said.append(f"supplier name '{facts.supplier}'")
        strength = max(strength, STRENGTH_SUPPLIER_NAME)
    if rule.keywords:
        keyword = first_phrase_in(rule.keywords, facts.haystack)
        if keyword is None:
            return None
        said.append(f"keyword '{keyword}'")
        strength = max(strength, STRENGTH_KEYWORD)
    if rule.min_gross is not None or rule.max_gross is not None:
        if facts.gross is None:
            return None
        if rule.min_gross is not None and facts.gross < rule.min_gross:
            return None
        if rule.max_gross is not None and facts.gross > rule.max_gross:
            return None
        said.append(f"total {format_money(facts.gross)} ({describe_range(rule.min_gross, rule.max_gross)})")
    if rule.vat_rate is not None:
        if rule.vat_rate not in facts.rates:
            return None
        said.append(f"VAT rate {format_rate(rule.vat_rate)}")
    return (said, strength) if said else None


def describe_range(low: Decimal | None, high: Decimal | None) -> str:
    if low is not None and high is not None:
        return f"between {format_money(low)} and {format_money(high)}"
    if low is not None:
        return f"at least {format_money(low)}"
    return f"at most {format_money(high)}"


def _match_tenant_rules(rules: Sequence[Rule], facts: _Facts) -> _Match | None:
    for rule in sorted((r for r in rules if r.is_active), key=lambda r: r.priority):
        found = _tenant_rule_conditions(rule, facts)
        if found is not None:
            said, strength = found
            return _Match(
                rule.account_code,
                rule.vat_treatment,
                strength,
                f"matched rule '{rule.name}' on {' and '.join(said)}",
                rule.pk,
                rule.name,
            )
    return None


def _match_default_rules(facts: _Facts, rules: Sequence[DefaultRule] = DEFAULT_RULES) -> _Match | None:
    """Three passes (see default_rules.py): supplier patterns, keywords in the supplier's name, then elsewhere."""

    def found(rule: DefaultRule, strength: float, words: str) -> _Match:
        return _Match(
            rule.account_code,
            rule.vat_treatment,
            strength,
            f"matched default rule '{rule.name}' on {words}",
            None,
            rule.name,
        )

    if facts.supplier_normalised:
        for rule in rules:
            if first_phrase_in(rule.suppliers, facts.supplier_normalised):
                return found(rule, STRENGTH_DEFAULT_SUPPLIER, f"supplier '{facts.supplier}'")
        for rule in rules:
            keyword = first_phrase_in(rule.keywords, facts.supplier)
            if keyword:
                return found(rule, STRENGTH_DEFAULT_SUPPLIER, f"keyword '{keyword}' in the supplier's name")
    for rule in rules:
        keyword = first_phrase_in(rule.keywords, facts.haystack)
        if keyword:
            return found(rule, STRENGTH_KEYWORD, f"keyword '{keyword}'")
    return None


# The fields that decide what is posted and what reaches the VAT return: each must be confident to post unchecked.
LEDGER_FIELDS = (
    ("kind", "type of document"),
    ("supplier_name", "supplier name"),
    ("supplier_vat_number", "supplier's VAT number"),
    ("document_number", "document number"),
    ("issue_date", "date"),
    ("net", "net amount"),
    ("vat", "VAT amount"),
    ("gross", "total"),
)
NO_VAT_NUMBER_REASON = (
    "No supplier VAT number was found on this document, so its VAT cannot be reclaimed without checking it."
)
INVOICE_KINDS = frozenset({DOC_SALES_INVOICE, DOC_PURCHASE_INVOICE, DOC_CREDIT_NOTE})  # they always carry a number


def field_needed(name: str, extraction: Extraction, kind: str) -> bool:
    """Whether a field must be present (and confident) for this document to post unchecked.

    The supplier's VAT number only where input VAT is reclaimed (a purchase charging VAT); the document
    number only on invoices and credit notes (a till receipt often has none, but one that was read is
    posted as the reference, so it must be confident: see ``_field_reasons``); the kind is judged apart
    (an unknown kind is its own reason).
    """
    if name == "supplier_vat_number":
        charged = extraction.vat.value
        return kind in PURCHASE_DOCUMENT_KINDS and charged is not None and charged > 0
    if name == "document_number":
        return kind in INVOICE_KINDS
    if name == "kind":
        return kind in POSTABLE_DOCUMENT_KINDS
    return True


def _percent(value: float) -> str:
    """80%, or 99.5% where whole percent would round a bar up to a figure the reading seems to meet."""
    return f"{value:.0%}" if round(value * 100, 1) == round(value * 100) else f"{value:.1%}"


def _field_reasons(
    extraction: Extraction, threshold: float, field_thresholds: Mapping[str, float] | None = None
) -> tuple[list[str], float]:
    """Plain-words reasons for each ledger-affecting field missing or below its bar, and the lowest confidence.

    A field's bar is the higher of the tenant's threshold and the field's own (``field_thresholds``: the
    calibrated confidence at which that field reached the target precision when fitted; decision 0032).
    Nothing here looks at the form of a name (a supplier without "Ltd" is as good as one with it).
    """
    reasons: list[str] = []
    lowest = 1.0
    own = field_thresholds or {}
    kind = str(extraction.kind.value) if extraction.kind.value is not None else ""
    for name, label in LEDGER_FIELDS:
        item = getattr(extraction, name)
        if not field_needed(name, extraction, kind) and not (name == "document_number" and item.present):
            continue
        if item.value is None or item.value == "":
            if name == "supplier_vat_number":
                if not getattr(extraction, "invalid_vat_numbers", None):  # an invalid one has its own reason
                    reasons.append(NO_VAT_NUMBER_REASON)
            else:
                reasons.append(f"No {label} was found on the document.")
            lowest = 0.0
            continue
        lowest = min(lowest, item.confidence)
        bar = max(threshold, own.get(name, 0.0))
        if item.confidence < bar:
            read, needed = _percent(item.confidence), _percent(bar)
            reasons.append(f"The {label} was read with {read} confidence, below the {needed} threshold.")
    return reasons, lowest


def classify(
    extraction: Extraction,
    *,
    tenant_rules: Sequence[Rule],
    threshold: float,
    known_accounts: Collection[str] | None = None,
    own_vat_numbers: Collection[str] = (),
    field_thresholds: Mapping[str, float] | None = None,
) -> Classification:
    """Decide the account and VAT treatment for one document, with the reasons in words.

    ``known_accounts``: the tenant's active account codes, when the caller has
    them; a rule pointing elsewhere then needs review instead of failing at posting.
    ``own_vat_numbers``: the business's own; never a supplier's, so never matched by a rule.
    ``field_thresholds``: each ledger-affecting field's own bar (calibrated); the tenant's ``threshold`` is the floor.
    """
    kind = str(extraction.kind.value) if extraction.kind.value is not None else ""
    facts = _facts(extraction, own_vat_numbers)
    reasons: list[str] = list(getattr(extraction, "doubts", None) or [])

    if kind == DOC_SALES_INVOICE:
        match: _Match | None = _Match(
            chart.SALES, "", 1.0, f"a sales invoice is posted to {chart.SALES} Sales", None, SALES_RULE_NAME
        )
    else:
        match = _match_tenant_rules(tenant_rules, facts) or _match_default_rules(facts)
    if kind not in POSTABLE_DOCUMENT_KINDS:
        reasons.append("The type of document (invoice, receipt, credit note) could not be worked out.")

    vat = find_vat(extraction)
    if match is None:
        reasons.append("No rule matched this document: choose the account it belongs to.")
        account_code, strength, explanation = None, 0.0, "no rule matched"
        rule_id, rule_name, treatment, vat_words = None, "", vat.treatment, vat.note
    else:
        account_code, strength, explanation = match.account_code, match.strength, match.explanation
        rule_id, rule_name = match.rule_id, match.rule_name
        if match.vat_treatment:
            treatment, vat_words = match.vat_treatment, f"{match.vat_treatment} (set by the rule)"
            charged = extraction.vat.value
            if treatment in NO_VAT_TREATMENTS and charged is not None and charged > 0:
                reasons.append(
                    f"The rule says {treatment.replace('_', ' ')}, but the document charges VAT of "
                    f"{format_money(charged)}."
                )
        else:
            treatment, vat_words = vat.treatment, vat.note
        if known_accounts is not None and account_code not in known_accounts:
            reasons.append(
                f"The rule chose account {account_code}, which is not an active account in this business's chart."
            )
    if not treatment:
        reasons.append(f"VAT: {vat_words[0].upper()}{vat_words[1:]}.")
    if vat_reason := vat_number_reason(extraction, own_vat_numbers):
        reasons.append(vat_reason)
    if not extraction.arithmetic_ok:
        reasons.append("The amounts on the document do not add up (lines, net, VAT and total).")
    field_reasons, lowest = _field_reasons(extraction, threshold, field_thresholds)
    reasons.extend(field_reasons)

    return Classification(
        account_code=account_code,
        vat_treatment=treatment,
        confidence=round(min(strength, lowest), 3),
        explanation=f"{explanation}; VAT: {vat_words}.",
        rule_id=rule_id,
        rule_name=rule_name,
        needs_review=bool(reasons),
        reasons=reasons,
    )


def _quoted(phrases: Iterable[str]) -> str:
    return ", ".join(f"'{p}'" for p in phrases)


def describe_conditions(rule: Rule) -> str:
    """A tenant rule's conditions in words, for the rules page."""
    parts: list[str] = []
    if rule.supplier_vat_number:
        parts.append(f"the supplier's VAT number is {display_vat_number(rule.supplier_vat_number)}")
    if rule.supplier_exact:
        parts.append(f"the supplier is exactly '{rule.supplier_exact}'")
    if rule.supplier_normalised:
        parts.append(f"the supplier's name reads as '{normalise_name(rule.supplier_normalised)}'")
    if rule.keywords:
        parts.append(f"the document mentions any of {_quoted(rule.keywords)}")
    if rule.min_gross is not None or rule.max_gross is not None:
        parts.append(f"the total is {describe_range(rule.min_gross, rule.max_gross)}")
    if rule.vat_rate is not None:
        parts.append(f"VAT is charged at {format_rate(rule.vat_rate)}")
    return "When " + " and ".join(parts) if parts else "Never (the rule has no conditions)"


def describe_default_rule(rule: DefaultRule) -> str:
    parts = []
    if rule.suppliers:
        parts.append(f"the supplier is one of {_quoted(rule.suppliers)}")
    if rule.keywords:
        parts.append(f"the document mentions any of {_quoted(rule.keywords)}")
    return "When " + " or ".join(parts)
