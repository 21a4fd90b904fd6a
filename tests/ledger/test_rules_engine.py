"""Classification: tenant rules before defaults, explanations in words, and when a person must look."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.ledger.models import Rule
from apps.ledger.rules_engine import classify, normalise_name
from tests.ledger.builders import make_extraction

THRESHOLD = 0.8
D = Decimal


def rule(**fields) -> Rule:
    """An unsaved rule: the engine never touches the database."""
    values = {"name": "Test rule", "priority": 100, "is_active": True, "account_code": "461"} | fields
    return Rule(**values)


def run(extraction, rules=(), **kwargs):
    return classify(extraction, tenant_rules=list(rules), threshold=THRESHOLD, **kwargs)


class TestTenantRules:
    def test_a_tenant_rule_beats_the_default_rules(self):
        extraction = make_extraction(supplier="Shell UK Oil Products Ltd", lines=["Unleaded 40.2 litres"])
        assert run(extraction).account_code == "449"
        result = run(
            extraction,
            [rule(name="Shell card is the van", supplier_normalised="SHELL UK OIL PRODUCTS", account_code="473")],
        )
        assert (result.account_code, result.rule_name, result.needs_review) == ("473", "Shell card is the van", False)
        assert result.explanation.startswith(
            "matched rule 'Shell card is the van' on supplier name 'Shell UK Oil Products Ltd'"
        )

    def test_explanation_names_the_vat_number_as_hmrc_prints_it(self):
        r = rule(name="Stationery suppliers", supplier_vat_number="GB 980 7806 84")
        result = run(make_extraction(vat_number="980780684"), [r])
        assert result.explanation.startswith("matched rule 'Stationery suppliers' on VAT number GB 980 7806 84")
        assert result.rule_id == r.pk and result.confidence == pytest.approx(0.97)

    def test_rules_are_tried_by_priority_and_the_first_match_wins(self):
        broad = rule(name="Anything with paper", priority=50, keywords=["paper"], account_code="461")
        narrow = rule(name="Bakery paper", priority=5, keywords=["baking paper"], account_code="310")
        off = rule(name="Switched off", priority=1, keywords=["paper"], account_code="400", is_active=False)
        result = run(make_extraction(lines=["Baking paper 50m"]), [broad, narrow, off])
        assert (result.account_code, result.rule_name) == ("310", "Bakery paper")
        assert "on keyword 'baking paper'" in result.explanation

    def test_every_condition_must_hold(self):
        r = rule(
            name="Big stationery orders",
            supplier_normalised="viking direct",
            min_gross=D("100.00"),
            max_gross=D("500.00"),
            vat_rate=D("20"),
        )
        hit = run(make_extraction(supplier="VIKING DIRECT (UK) LIMITED"), [r])
        assert hit.rule_name == "Big stationery orders"
        assert "total £120.00 (between £100.00 and £500.00) and VAT rate 20%" in hit.explanation
        assert (
            run(
                make_extraction(net="10.00", vat="2.00", gross="12.00", breakdown=[("20", "10.00", "2.00")]), [r]
            ).rule_name
            != r.name
        )
        zero_rated = make_extraction(net="120.00", vat="0.00", gross="120.00", breakdown=[("0", "120.00", "0.00")])
        assert run(zero_rated, [r]).rule_name != r.name

    def test_a_rule_without_conditions_never_matches(self):
        assert run(make_extraction(supplier="Nobody in particular"), [rule(name="Empty")]).account_code is None

    def test_a_rule_can_set_the_vat_treatment(self):
        r = rule(name="Hiscox", supplier_exact="Hiscox Ltd", account_code="433", vat_treatment="exempt")
        premium = make_extraction(supplier="Hiscox Ltd", net="300.00", vat="0.00", gross="300.00", breakdown=())
        result = run(premium, [r])
        assert result.vat_treatment == "exempt" and "VAT: exempt (set by the rule)" in result.explanation
        assert not result.needs_review

    def test_a_rule_saying_no_vat_on_a_document_that_charges_vat_needs_review(self):
        r = rule(name="Hiscox", supplier_exact="Hiscox Ltd", account_code="433", vat_treatment="exempt")
        result = run(make_extraction(supplier="Hiscox Ltd"), [r])
        assert result.needs_review
        assert result.reasons == ["The rule says exempt, but the document charges VAT of £20.00."]


class TestDefaultRules:
    @pytest.mark.parametrize(
        ("supplier", "lines", "account", "explanation"),
        [
            ("Bob's Garage", ["Unleaded 38.5L"], "449", "matched default rule 'Fuel' on keyword 'unleaded'"),
            ("Esso Brentford", [], "449", "matched default rule 'Fuel' on supplier 'Esso Brentford'"),
            ("Ryman Ltd", ["Lever arch files"], "461", "matched default rule 'Stationery and printing' on supplier"),
            ("Corner Shop", ["Printer paper A4 x5"], "461", "on keyword 'printer paper'"),
            ("Adobe Systems Software Ireland", [], "463", "matched default rule 'Software and subscriptions'"),
            ("Octopus Energy Ltd", [], "445", "matched default rule 'Utilities' on supplier"),
            ("Trainline.com Ltd", [], "493", "matched default rule 'Travel' on supplier"),
            ("Royal Mail Group Ltd", ["1st class stamps"], "425", "matched default rule 'Postage'"),
            ("Vodafone Ltd", [], "489", "matched default rule 'Phone and internet'"),
            ("Sparkle Ltd", ["Office cleaning, March"], "408", "on keyword 'office cleaning'"),
            ("A. Plumber", ["Boiler service"], "473", "on keyword 'plumber' in the supplier's name"),
            ("Ashdown Ltd", ["Boiler service and call out"], "473", "on keyword 'boiler service'"),
            ("Cobalt Cloud Software Ltd", ["Bookkeeping Pro plan"], "463", "keyword 'software' in the supplier's"),
            ("Riverbend District Council", [], "469", "matched default rule 'Business rates' on supplier"),
            ("Smith & Co Chartered Accountants", [], "412", "matched default rule 'Accountancy and legal'"),
            ("Hiscox Underwriting Ltd", [], "433", "matched default rule 'Insurance' on supplier"),
            ("Shipton Mill Ltd", [], "310", "matched default rule 'Bakery ingredients and packaging' on supplier"),
            (
                "Local Farm",
                ["Strong white flour 16kg", "Free range eggs x 180"],
                "310",
                "on keyword 'strong white flour'",
            ),
        ],
    )
    def test_common_purchases(self, supplier, lines, account, explanation):
        # Insurance and business rates carry no VAT (their rules say so, and flag a bill that charges it).
        no_vat = (
            {"net": "100.00", "vat": "0.00", "gross": "100.00", "breakdown": ()} if account in {"433", "469"} else {}
        )
        result = run(make_extraction(supplier=supplier, lines=lines, **no_vat))
        assert result.account_code == account, result.explanation
        assert explanation in result.explanation
        assert result.rule_id is None and not result.needs_review

    def test_supplier_names_beat_keywords(self):
        # Royal Mail's invoice mentions fuel (a surcharge), but who sent it decides.
        result = run(make_extraction(supplier="Royal Mail Group Ltd", lines=["Fuel surcharge"]))
        assert result.rule_name == "Postage"

    def test_keywords_match_whole_words_only(self):
        result = run(make_extraction(supplier="Parental Leave Advisers", lines=["Current account review"]))
        assert result.account_code is None  # neither "rent" nor "petrol"-like fragments match

    def test_insurance_is_exempt_by_default(self):
        result = run(make_extraction(supplier="Aviva", net="300.00", vat="0.00", gross="300.00", breakdown=()))
        assert (result.account_code, result.vat_treatment) == ("433", "exempt")

    def test_sales_invoices_go_to_sales(self):
        result = run(make_extraction(kind="sales_invoice", supplier="Aldgate Joinery Ltd", lines=["Oak door"]))
        assert (result.account_code, result.rule_name, result.needs_review) == ("200", "Sales invoices", False)
        assert "a sales invoice is posted to 200 Sales" in result.explanation


class TestVatTreatment:
    @pytest.mark.parametrize(
        ("breakdown", "treatment"),
        [
            ([("20", "100.00", "20.00")], "standard"),
            ([("5", "100.00", "5.00")], "reduced"),
            ([("0", "100.00", "0.00")], "zero"),
            ([("-1", "100.00", "0.00")], "exempt"),
            ([("20", "50.00", "10.00"), ("0", "50.00", "0.00")], "mixed"),
            ([("20", "100.00", "20.00"), ("5", "0.00", "0.00")], "standard"),  # empty rows do not count
        ],
    )
    def test_from_the_breakdown(self, breakdown, treatment):
        assert run(make_extraction(supplier="Ryman", breakdown=breakdown)).vat_treatment == treatment

    @pytest.mark.parametrize(
        ("net", "vat", "treatment"),
        [
            ("41.67", "8.33", "standard"),
            ("100.00", "5.00", "reduced"),
            ("9.99", "0.00", "zero"),
            ("100.00", "12.00", "mixed"),
        ],
    )
    def test_from_the_amounts_when_there_is_no_breakdown(self, net, vat, treatment):
        gross = f"{D(net) + D(vat):.2f}"
        extraction = make_extraction(
            supplier="Ryman", vat_number="980780684", net=net, vat=vat, gross=gross, breakdown=()
        )
        assert run(extraction).vat_treatment == treatment

    def test_no_vat_and_no_vat_number_is_outside_the_scope(self):
        farm_shop = make_extraction(
            supplier="Meadow Lane Farm Shop",
            vat_number=None,
            lines=["Free-range eggs"],
            net="24.90",
            vat="0.00",
            gross="24.90",
            breakdown=(),
        )
        result = run(farm_shop)
        assert (result.account_code, result.vat_treatment) == ("310", "outside_scope")
        assert "the supplier is not VAT-registered" in result.explanation

    def test_business_rates_are_outside_the_scope_whatever_the_marker(self):
        rates = make_extraction(
            supplier="Riverbend District Council",
            net="212.00",
            vat="0.00",
            gross="212.00",
            breakdown=[("-1", "212.00", "0.00")],
        )
        result = run(rates)
        assert (result.account_code, result.vat_treatment) == ("469", "outside_scope")

    def test_unknown_vat_needs_review(self):
        result = run(make_extraction(supplier="Ryman", vat=None, breakdown=()))
        assert result.vat_treatment == "" and result.needs_review
        assert any("VAT rate could not be worked out" in r for r in result.reasons)


class TestNeedsReview:
    def test_no_match(self):
        result = run(make_extraction(supplier="Zyxwv Trading", lines=["Item 1"]))
        assert (result.account_code, result.needs_review, result.confidence) == (None, True, 0.0)
        assert result.reasons == ["No rule matched this document: choose the account it belongs to."]
        assert result.explanation.startswith("no rule matched")

    def test_arithmetic(self):
        result = run(make_extraction(supplier="Ryman", arithmetic_ok=False))
        assert result.account_code == "461" and result.needs_review
        assert result.reasons == ["The amounts on the document do not add up (lines, net, VAT and total)."]

    @pytest.mark.parametrize(
        ("field", "label"),
        [("supplier_confidence", "supplier name"), ("total_confidence", "total"), ("date_confidence", "date")],
    )
    def test_low_confidence(self, field, label):
        result = run(make_extraction(supplier="Ryman", **{field: 0.62}))
        assert result.needs_review and result.confidence == pytest.approx(0.62)
        assert result.reasons == [f"The {label} was read with 62% confidence, below the 80% threshold."]

    def test_missing_fields_and_unknown_kind(self):
        result = run(make_extraction(kind="unknown", supplier=None, issue_date=None, lines=["Unleaded"]))
        assert result.account_code == "449"
        assert result.reasons == [
            "The type of document (invoice, receipt, credit note) could not be worked out.",
            "No supplier name was found on the document.",
            "No date was found on the document.",
        ]

    def test_a_rule_pointing_outside_the_chart_needs_review(self):
        result = run(make_extraction(supplier="Ryman"), known_accounts={"429"})
        assert result.needs_review
        assert "account 461, which is not an active account" in result.reasons[0]

    def test_all_reasons_at_once_are_kept_in_order(self):
        result = run(make_extraction(supplier="Zyxwv", arithmetic_ok=False, total_confidence=0.5))
        assert [r.split()[1] for r in result.reasons] == ["rule", "amounts", "total"]


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("The Viking Direct (UK) Ltd.", "viking direct"),
        ("McDonald’s Restaurants Limited", "mcdonalds restaurants"),
        ("Smith & Co", "smith"),
        ("E.ON Next Ltd", "e on next"),
        ("Prêt A Manger (Europe) Ltd", "pret a manger europe"),
        ("", ""),
    ],
)
def test_normalise_name(raw, normalised):
    assert normalise_name(raw) == normalised
