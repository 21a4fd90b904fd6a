"""The rules engine's words and edges, pinned exactly (written to kill mutmut's survivors; see docs/mutation.md).

What a person reads on the rules page and in review reasons is behaviour: a
rule described with the wrong conjunction, a boundary that excludes the
amount it names, or a missing date that does not lower the confidence would
all mislead a bookkeeper.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from apps.ledger.default_rules import DefaultRule
from apps.ledger.models import Rule
from apps.ledger.rules_engine import (
    _facts,
    _field_reasons,
    _tenant_rule_conditions,
    classify,
    describe_conditions,
    describe_default_rule,
    describe_range,
)
from apps.ledger.vat import find_vat
from tests.ledger.builders import make_extraction

D = Decimal


def rule(**fields) -> Rule:
    values = {"name": "Test", "account_code": "461", "vat_treatment": "", "priority": 100, "is_active": True,
              "keywords": [], "supplier_vat_number": "", "supplier_exact": "", "supplier_normalised": "",
              "min_gross": None, "max_gross": None, "vat_rate": None}  # fmt: skip
    return Rule(**(values | fields))


class TestDescriptions:
    def test_ranges(self):
        assert describe_range(D("10"), D("50")) == "between £10.00 and £50.00"
        assert describe_range(D("10"), None) == "at least £10.00"
        assert describe_range(None, D("50")) == "at most £50.00"

    def test_every_condition_in_words_joined_by_and(self):
        text = describe_conditions(
            rule(supplier_vat_number="980780684", supplier_exact="Viking Direct Ltd", supplier_normalised="Viking",
                 keywords=["toner", "paper"], min_gross=D("10"), max_gross=D("500"), vat_rate=D("20"))
        )  # fmt: skip
        assert text == (
            "When the supplier's VAT number is GB 980 7806 84 and the supplier is exactly 'Viking Direct Ltd' and "
            "the supplier's name reads as 'viking' and the document mentions any of 'toner', 'paper' and "
            "the total is between £10.00 and £500.00 and VAT is charged at 20%"
        )

    @pytest.mark.parametrize(
        ("fields", "words"),
        [
            ({"min_gross": D("10")}, "When the total is at least £10.00"),
            ({"max_gross": D("99.50")}, "When the total is at most £99.50"),
            ({"vat_rate": D("5")}, "When VAT is charged at 5%"),
            ({"supplier_normalised": "The Viking Ltd"}, "When the supplier's name reads as 'viking'"),
            ({}, "Never (the rule has no conditions)"),
        ],
    )
    def test_single_conditions(self, fields, words):
        assert describe_conditions(rule(**fields)) == words

    def test_default_rules_are_described_with_or(self):
        default = DefaultRule(name="Stationery", account_code="461", suppliers=("viking", "ryman"),
                              keywords=("toner",))  # fmt: skip
        assert describe_default_rule(default) == (
            "When the supplier is one of 'viking', 'ryman' or the document mentions any of 'toner'"
        )


class TestConditions:
    def facts(self, **kw):
        return _facts(make_extraction(**kw))

    def test_total_bounds_are_inclusive(self):
        assert _tenant_rule_conditions(rule(min_gross=D("120.00")), self.facts(gross="120.00")) is not None
        assert _tenant_rule_conditions(rule(max_gross=D("120.00")), self.facts(gross="120.00")) is not None
        assert _tenant_rule_conditions(rule(min_gross=D("120.01")), self.facts(gross="120.00")) is None
        assert _tenant_rule_conditions(rule(max_gross=D("119.99")), self.facts(gross="120.00")) is None

    def test_only_a_maximum_matches_totals_below_it(self):
        said, _ = _tenant_rule_conditions(rule(max_gross=D("500")), self.facts(gross="120.00"))
        assert said == ["total £120.00 (at most £500.00)"]

    def test_a_vat_number_rule_needs_a_vat_number_on_the_document(self):
        assert _tenant_rule_conditions(rule(supplier_vat_number="980780684"), self.facts(vat_number=None)) is None
        said, strength = _tenant_rule_conditions(rule(supplier_vat_number="GB980780684"),
                                                 self.facts(vat_number="980 7806 84"))  # fmt: skip
        assert said == ["VAT number GB 980 7806 84"] and strength == 0.99

    def test_exact_supplier_must_be_exact(self):
        assert _tenant_rule_conditions(rule(supplier_exact="Viking Direct"), self.facts()) is None
        said, _ = _tenant_rule_conditions(rule(supplier_exact=" Viking Direct Ltd "), self.facts())
        assert said == ["supplier 'Viking Direct Ltd'"]

    def test_a_different_vat_number_or_name_does_not_match(self):
        facts = self.facts(vat_number="980780684")
        assert _tenant_rule_conditions(rule(supplier_vat_number="GB123456727"), facts) is None
        assert _tenant_rule_conditions(rule(supplier_normalised="Quillfeather Stationers"), self.facts()) is None

    def test_ampersand_reads_as_and(self):
        from apps.ledger.rules_engine import normalise_name

        assert normalise_name("The Marks & Spencer Ltd.") == "marks and spencer"

    def test_a_normalised_name_rule_needs_a_supplier(self):
        assert _tenant_rule_conditions(rule(supplier_normalised="viking direct"), self.facts(supplier=None)) is None
        assert _tenant_rule_conditions(rule(supplier_normalised="viking direct"), self.facts()) is not None

    def test_facts_add_nothing_that_is_not_on_the_document(self):
        facts = self.facts(vat_number=None, text="")
        assert facts.vat_number == ""
        assert facts.haystack == "Viking Direct Ltd\n"

    def test_facts_without_a_supplier_and_with_page_text(self):
        facts = self.facts(supplier=None, text="Invoice for TONER cartridges")
        assert facts.supplier == "" and facts.supplier_normalised == ""
        assert "TONER cartridges" in facts.haystack
        said, _ = _tenant_rule_conditions(rule(keywords=["toner"]), facts)
        assert said == ["keyword 'toner'"]


class TestClassifyWords:
    def test_nothing_matched_has_no_rule_name(self):
        result = classify(make_extraction(supplier="Zzyzx Holdings"), tenant_rules=[], threshold=0.8)
        assert result.account_code is None and result.rule_name == "" and result.rule_id is None

    def test_a_no_vat_rule_on_a_document_that_charges_vat_says_so_in_words(self):
        result = classify(make_extraction(), tenant_rules=[rule(keywords=["viking"], vat_treatment="outside_scope")],
                          threshold=0.8)  # fmt: skip
        assert "The rule says outside scope, but the document charges VAT of £20.00." in result.reasons

    def test_a_no_vat_rule_notices_even_pennies_of_vat(self):
        result = classify(make_extraction(vat="0.50", gross="100.50", breakdown=()),
                          tenant_rules=[rule(keywords=["viking"], vat_treatment="exempt")], threshold=0.8)  # fmt: skip
        assert "The rule says exempt, but the document charges VAT of £0.50." in result.reasons

    def test_an_unknown_treatment_is_a_capitalised_reason(self):
        result = classify(make_extraction(breakdown=(), vat=None), tenant_rules=[], threshold=0.8)
        assert result.vat_treatment == ""
        assert "VAT: The VAT rate could not be worked out: there is no VAT breakdown or VAT amount." in result.reasons

    def test_confidence_at_the_threshold_is_enough_and_is_rounded_to_three_places(self):
        reasons, _ = _field_reasons(make_extraction(supplier_confidence=0.8), 0.8)
        assert reasons == []
        result = classify(make_extraction(supplier_confidence=0.12345), tenant_rules=[], threshold=0.1)
        assert result.confidence == 0.123

    def test_blank_keywords_never_match(self):
        from apps.ledger.rules_engine import first_phrase_in

        assert first_phrase_in(["  ", ""], "Viking Direct Ltd") is None
        assert _tenant_rule_conditions(rule(keywords=["   "]), _facts(make_extraction())) is None

    def test_a_missing_date_takes_the_confidence_to_zero(self):
        result = classify(make_extraction(issue_date=None), tenant_rules=[], threshold=0.8)
        assert result.confidence == 0.0
        assert "No date was found on the document." in result.reasons

    def test_field_reasons_lowest_is_the_lowest_confidence(self):
        reasons, lowest = _field_reasons(make_extraction(supplier_confidence=0.6, date_confidence=0.7), 0.8)
        assert lowest == 0.6
        assert reasons == [
            "The supplier name was read with 60% confidence, below the 80% threshold.",
            "The date was read with 70% confidence, below the 80% threshold.",
        ]
        _, lowest = _field_reasons(make_extraction(supplier=None, confidence=0.99), 0.8)
        assert lowest == 0.0


class TestVatWords:
    def test_a_rate_that_is_not_uk_is_named(self):
        finding = find_vat(make_extraction(breakdown=(("17.5", "100.00", "17.50"),), vat="17.50", gross="117.50"))
        assert finding.treatment == "" and finding.rate == D("17.5")
        assert finding.note == "the VAT breakdown shows 17.5%, which is not a UK VAT rate"

    def test_several_breakdown_rates_are_listed(self):
        finding = find_vat(make_extraction(breakdown=(("20", "100.00", "20.00"), ("5", "40.00", "2.00"))))
        assert (finding.treatment, finding.rate) == ("mixed", None)
        assert finding.note == "mixed (20%, 5% in the VAT breakdown)"

    def test_issue_date_is_a_date(self):  # keeps the builder honest for the tests above
        assert make_extraction().issue_date.value == date(2025, 3, 14)
